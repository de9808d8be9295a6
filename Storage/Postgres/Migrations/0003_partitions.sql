-- The journal's partitions (JournalPartitions in Grains.Interfaces/Journal). Idempotent: safe to run again.

-- Every event belongs to its stream's partition: the low three bits of the fourth byte of the md5 of the stream id,
-- the very function JournalPartitions.Of computes (a test checks that the two agree). A subscription queue reads one
-- partition, in (tx, position) order, below the oldest running transaction.
alter table ates_events add column if not exists partition smallint
    generated always as (((('x' || substr(md5(stream_id), 1, 8))::bit(32)::int) & 7)::smallint) stored;
create index if not exists ates_events_by_partition on ates_events (partition, tx, position);

-- A subscription's queues become the partitions. Checkpoints were per queue of target streams, each a place in the
-- whole log: every partition of a subscription starts where its slowest old queue was (nothing is skipped; what the
-- faster queues had delivered comes again, which consumers ignore by event id), or from the start when one of the
-- four old queues had none.
create temporary table ates_old_checkpoints on commit drop as
    select c.subscription, c.epoch, c.tx, c.position, count(*) over (partition by c.subscription) as queues,
           row_number() over (partition by c.subscription order by c.tx, c.position) as slowest
    from ates_checkpoints c
    where c.epoch = coalesce((select s.epoch from ates_subscriptions s where s.subscription = c.subscription), 1)
      and not exists (select 1 from ates_checkpoints m where m.owner = 'migration 3');
delete from ates_checkpoints where exists (select 1 from ates_old_checkpoints);
insert into ates_checkpoints (subscription, queue, epoch, tx, position, owner, updated_at)
    select o.subscription, q.queue, o.epoch, o.tx, o.position, 'migration 3', now()
    from ates_old_checkpoints o cross join generate_series(0, 7) as q(queue)
    where o.slowest = 1 and o.queues >= 4
on conflict (subscription, queue) do nothing;
