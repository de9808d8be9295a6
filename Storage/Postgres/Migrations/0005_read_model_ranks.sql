-- Two more orders for read models (the task board sorts by fee and by reward). The board's rows already there take
-- theirs from the task each holds (JSON). Idempotent: safe to run again.
alter table ates_read_rows add column if not exists rank_a numeric not null default 0;
alter table ates_read_rows add column if not exists rank_b numeric not null default 0;
update ates_read_rows
set rank_a = coalesce((convert_from(data, 'UTF8')::jsonb ->> 'assignFee')::numeric, 0),
    rank_b = coalesce((convert_from(data, 'UTF8')::jsonb ->> 'reward')::numeric, 0)
where model = 'task-board' and rank_a = 0 and rank_b = 0;
create index if not exists ates_read_rows_by_rank_a on ates_read_rows (model, rank_a desc, seq desc);
create index if not exists ates_read_rows_by_rank_b on ates_read_rows (model, rank_b desc, seq desc);
