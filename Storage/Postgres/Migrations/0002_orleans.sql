-- Orleans' ADO.NET clustering, grain storage and reminders (Microsoft.Orleans.*.AdoNet 10.4.2, Invariant "Npgsql").
-- The packages ship no PostgreSQL schema of their own that we use: they read the text of each query from the table
-- `orleansquery` (the name and its columns are fixed by them, unquoted) and bind named parameters. The tables and
-- query texts below are ours, written to that contract (what each key is given and must answer: the comment above it).
-- Every answer a provider checks is a selected value: they never look at affected-row counts.
-- Idempotent: safe to run again; the query rows are upserted, so a later migration may replace a text.

create table if not exists orleansquery (
    querykey   varchar(64) primary key,
    querytext  text not null
);

-- ---- membership (DeploymentId = the cluster id) ----

-- The membership table's etag: moved by exactly one on every change of a member row, in the same statement.
create table if not exists orleans_membership_versions (
    deployment_id  text primary key,
    version        int not null default 0 check (version >= 0),
    changed_at     timestamptz not null default now()
);

-- One row per silo incarnation (address, port, generation). Status 3 = active, 6 = dead.
create table if not exists orleans_members (
    deployment_id    text not null references orleans_membership_versions (deployment_id) on delete cascade,
    address          text not null,
    port             int not null,
    generation       int not null,
    silo_name        text not null,
    host_name        text not null,
    status           int not null,
    proxy_port       int not null,
    suspect_times    text,
    start_time       timestamptz not null,
    i_am_alive_time  timestamptz not null,
    primary key (deployment_id, address, port, generation)
);

-- ---- reminders (ServiceId = the service id) ----

create table if not exists orleans_reminders (
    service_id     text not null,
    grain_id       text not null,
    reminder_name  text not null,
    start_time     timestamptz not null,
    period_ms      bigint not null,
    grain_hash     int not null,
    version        int not null,
    primary key (service_id, grain_id, reminder_name)
);
-- Each silo reads the reminders of its range of the hash ring.
create index if not exists orleans_reminders_by_hash on orleans_reminders (service_id, grain_hash);

-- ---- grain storage (Ates: journaled grains' snapshots) ----

-- A grain's state is identified by (service, state name, id parts, extension); the two hashes narrow the lookup.
-- Unique on the identity, so two first writes of one grain cannot both insert (the second answers a conflict).
create table if not exists orleans_grain_state (
    service_id          text not null,
    grain_type          text not null,
    grain_id_n0         bigint not null,
    grain_id_n1         bigint not null,
    grain_id_extension  text,
    grain_type_hash     int not null,
    grain_id_hash       int not null,
    payload             bytea,
    version             int not null,
    modified_at         timestamptz not null default now(),
    constraint orleans_grain_state_identity unique nulls not distinct (service_id, grain_type, grain_id_n0, grain_id_n1, grain_id_extension)
);
create index if not exists orleans_grain_state_by_hash on orleans_grain_state (grain_id_hash, grain_type_hash);

-- ---- the query texts ----

insert into orleansquery (querykey, querytext) values

-- Silo start: the cluster's version row, if it has none yet. Answers true when it was created.
('InsertMembershipVersionKey', $q$
with created as (
    insert into orleans_membership_versions (deployment_id) values (@DeploymentId)
    on conflict (deployment_id) do nothing
    returning 1)
select count(*) = 1 from created
$q$),

-- The version row joined with every member: one row without a member (null StartTime) when there is none.
('MembershipReadAllKey', $q$
select v.deployment_id as DeploymentId, v.version as Version,
       m.address as Address, m.port as Port, m.generation as Generation, m.silo_name as SiloName,
       m.host_name as HostName, m.status as Status, m.proxy_port as ProxyPort, m.suspect_times as SuspectTimes,
       m.start_time as StartTime, m.i_am_alive_time as IAmAliveTime
from orleans_membership_versions v
left join orleans_members m on m.deployment_id = v.deployment_id
where v.deployment_id = @DeploymentId
$q$),

-- The same, for one silo incarnation.
('MembershipReadRowKey', $q$
select v.deployment_id as DeploymentId, v.version as Version,
       m.address as Address, m.port as Port, m.generation as Generation, m.silo_name as SiloName,
       m.host_name as HostName, m.status as Status, m.proxy_port as ProxyPort, m.suspect_times as SuspectTimes,
       m.start_time as StartTime, m.i_am_alive_time as IAmAliveTime
from orleans_membership_versions v
left join orleans_members m on m.deployment_id = v.deployment_id
    and m.address = @Address and m.port = @Port and m.generation = @Generation
where v.deployment_id = @DeploymentId
$q$),

-- A silo joins: insert its row and move the version from @Version, both or neither. The version moves only while
-- the row is absent, and concurrent joins queue on the version row's lock and re-check the version they find.
('InsertMembershipKey', $q$
with moved as (
    update orleans_membership_versions set version = version + 1, changed_at = now()
    where deployment_id = @DeploymentId and version = @Version and version < 2147483647
      and not exists (select 1 from orleans_members
                      where deployment_id = @DeploymentId and address = @Address and port = @Port and generation = @Generation)
    returning deployment_id),
inserted as (
    insert into orleans_members (deployment_id, address, port, generation, silo_name, host_name, status, proxy_port, start_time, i_am_alive_time)
    select deployment_id, @Address, @Port, @Generation, @SiloName, @HostName, @Status, @ProxyPort, @StartTime, @IAmAliveTime from moved
    on conflict do nothing
    returning 1)
select count(*) = 1 from inserted
$q$),

-- A member's status or suspicion votes change: move the version from @Version and update the row, both or neither.
('UpdateMembershipKey', $q$
with moved as (
    update orleans_membership_versions set version = version + 1, changed_at = now()
    where deployment_id = @DeploymentId and version = @Version and version < 2147483647
      and exists (select 1 from orleans_members
                  where deployment_id = @DeploymentId and address = @Address and port = @Port and generation = @Generation)
    returning deployment_id),
updated as (
    update orleans_members m set status = @Status, suspect_times = @SuspectTimes, i_am_alive_time = @IAmAliveTime
    from moved
    where m.deployment_id = moved.deployment_id and m.address = @Address and m.port = @Port and m.generation = @Generation
    returning 1)
select count(*) = 1 from updated
$q$),

-- Heartbeat: only the member's I-am-alive time; not a membership change, so the version stays.
('UpdateIAmAlivetimeKey', $q$
update orleans_members set i_am_alive_time = @IAmAliveTime
where deployment_id = @DeploymentId and address = @Address and port = @Port and generation = @Generation
$q$),

-- Clients' gateway list: active members that accept clients.
('GatewaysQueryKey', $q$
select address as Address, proxy_port as ProxyPort, generation as Generation
from orleans_members
where deployment_id = @DeploymentId and status = @Status and proxy_port > 0
$q$),

-- Tooling: forget a cluster (its members go with the version row).
('DeleteMembershipTableEntriesKey', $q$
delete from orleans_membership_versions where deployment_id = @DeploymentId
$q$),

-- Old dead members, by cut-off time. Required at start; Orleans uses the per-row key below instead when it exists.
('CleanupDefunctSiloEntriesKey', $q$
delete from orleans_members
where deployment_id = @DeploymentId and status = 6 and i_am_alive_time < @IAmAliveTime and start_time < @IAmAliveTime
$q$),

-- One old dead member, only if its row is still the one Orleans read (so a row changed meanwhile stays).
('CleanupDefunctSiloEntryKey', $q$
delete from orleans_members
where deployment_id = @DeploymentId and address = @Address and port = @Port and generation = @Generation
  and status = 6 and start_time = @StartTime and i_am_alive_time = @IAmAliveTime
  and coalesce(suspect_times, '') = coalesce(@SuspectTimes, '')
$q$),

-- ---- reminders ----

('ReadReminderRowsKey', $q$
select grain_id as GrainId, reminder_name as ReminderName, start_time as StartTime, period_ms as Period, version as Version
from orleans_reminders
where service_id = @ServiceId and grain_id = @GrainId
$q$),

('ReadReminderRowKey', $q$
select grain_id as GrainId, reminder_name as ReminderName, start_time as StartTime, period_ms as Period, version as Version
from orleans_reminders
where service_id = @ServiceId and grain_id = @GrainId and reminder_name = @ReminderName
$q$),

-- A silo's range of the ring, (begin, end], when it does not wrap around.
('ReadRangeRows1Key', $q$
select grain_id as GrainId, reminder_name as ReminderName, start_time as StartTime, period_ms as Period, version as Version
from orleans_reminders
where service_id = @ServiceId and grain_hash > @BeginHash and grain_hash <= @EndHash
$q$),

-- ... and when it wraps around (or is the whole ring).
('ReadRangeRows2Key', $q$
select grain_id as GrainId, reminder_name as ReminderName, start_time as StartTime, period_ms as Period, version as Version
from orleans_reminders
where service_id = @ServiceId and (grain_hash > @BeginHash or grain_hash <= @EndHash)
$q$),

-- Register or change a reminder; answers its new version.
('UpsertReminderRowKey', $q$
insert into orleans_reminders (service_id, grain_id, reminder_name, start_time, period_ms, grain_hash, version)
values (@ServiceId, @GrainId, @ReminderName, @StartTime, @Period, @GrainHash, 0)
on conflict (service_id, grain_id, reminder_name) do update set
    start_time = excluded.start_time, period_ms = excluded.period_ms, grain_hash = excluded.grain_hash,
    version = orleans_reminders.version + 1
returning version as Version
$q$),

-- Unregister, only at the version the caller read. Answers true when it was removed.
('DeleteReminderRowKey', $q$
with removed as (
    delete from orleans_reminders
    where service_id = @ServiceId and grain_id = @GrainId and reminder_name = @ReminderName and version = @Version
    returning 1)
select count(*) = 1 from removed
$q$),

('DeleteReminderRowsKey', $q$
delete from orleans_reminders where service_id = @ServiceId
$q$),

-- ---- grain storage ----

('ReadFromStorageKey', $q$
select payload as PayloadBinary, version as Version
from orleans_grain_state
where grain_id_hash = @GrainIdHash and grain_type_hash = @GrainTypeHash
  and service_id = @ServiceId and grain_type = @GrainTypeString
  and grain_id_n0 = @GrainIdN0 and grain_id_n1 = @GrainIdN1
  and grain_id_extension is not distinct from @GrainIdExtensionString
$q$),

-- Write: insert when the caller holds no version, else update at that version. Always one row: the new version, or
-- null for a conflict (the row exists already, or moved on).
('WriteToStorageKey', $q$
with inserted as (
    insert into orleans_grain_state (service_id, grain_type, grain_id_n0, grain_id_n1, grain_id_extension,
                                     grain_type_hash, grain_id_hash, payload, version)
    select @ServiceId, @GrainTypeString, @GrainIdN0, @GrainIdN1, @GrainIdExtensionString,
           @GrainTypeHash, @GrainIdHash, @PayloadBinary, 1
    where @GrainStateVersion is null
    on conflict do nothing
    returning version),
updated as (
    update orleans_grain_state set payload = @PayloadBinary, version = version + 1, modified_at = now()
    where grain_id_hash = @GrainIdHash and grain_type_hash = @GrainTypeHash
      and service_id = @ServiceId and grain_type = @GrainTypeString
      and grain_id_n0 = @GrainIdN0 and grain_id_n1 = @GrainIdN1
      and grain_id_extension is not distinct from @GrainIdExtensionString
      and version = @GrainStateVersion
    returning version)
select (select version from inserted union all select version from updated limit 1) as NewGrainStateVersion
$q$),

-- Clear keeps the row (its version must go on), without a payload. Answers the new version, or no row on a conflict.
('ClearStorageKey', $q$
update orleans_grain_state set payload = null, version = version + 1, modified_at = now()
where grain_id_hash = @GrainIdHash and grain_type_hash = @GrainTypeHash
  and service_id = @ServiceId and grain_type = @GrainTypeString
  and grain_id_n0 = @GrainIdN0 and grain_id_n1 = @GrainIdN1
  and grain_id_extension is not distinct from @GrainIdExtensionString
  and version = @GrainStateVersion
returning version
$q$)

on conflict (querykey) do update set querytext = excluded.querytext;
