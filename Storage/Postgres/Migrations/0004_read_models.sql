-- Read models (the task board): rows a subscription keeps beside the journal, and how far it has applied each
-- partition. Idempotent: safe to run again.
create table if not exists ates_read_rows (
    model    text not null,
    key      text not null,
    version  bigint not null,
    seq      bigint not null,
    owner    text,
    state    text,
    text     text not null,
    data     bytea not null,
    primary key (model, key)
);
create index if not exists ates_read_rows_by_seq on ates_read_rows (model, seq desc);
create index if not exists ates_read_rows_by_owner on ates_read_rows (model, owner, seq desc);
create index if not exists ates_read_rows_by_state on ates_read_rows (model, state, seq desc);

create table if not exists ates_read_progress (
    model      text not null,
    partition  int not null,
    tx         bigint not null,
    position   bigint not null,
    primary key (model, partition)
);
