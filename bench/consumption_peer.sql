-- The Consumption page as PostGraphile would serve it: plain SQL functions, one per card or
-- helper, in schema consumption_peer, and one statement that builds the whole page's JSON.
-- bench/consumption_peer.py executes this file in two parts, split at the "-- @@" lines:
--   api   at every start: drops and creates schema consumption_peer (functions only);
--   page  the statement sent for each page, parameters $1-$9 (see its header).
--
-- The peer reads the gateway's own tables in the same database: the organization, its plan
-- versions, openings, purchases and raw interview events, and the rollups the gateway's ingest
-- maintains (interview_daily, interview_monthly, interview_periods). It precomputes nothing of
-- its own: what an event is worth (partial interviews, simulations free, each interview
-- charged up to its running maximum) and which interview counts first under a status are
-- settled at ingest and read here as they are stored.
-- Credits are whole ten-thousandths (bigint) until printed with 4 decimals.

-- @@ api
drop schema if exists consumption_peer cascade;
create schema consumption_peer;

-- An amount in ten-thousandths printed as credits with 4 decimals: 12345 -> '1.2345'.
create function consumption_peer.credits(e4 numeric) returns text
language sql immutable parallel safe as $$
  select (e4 * 0.0001)::numeric(30, 4)::text
$$;
-- Floor division of integers (numeric, exact): the rules round down, not towards zero.
create function consumption_peer.fdiv(a numeric, b numeric) returns numeric
language sql immutable parallel safe as $$
  select div(a, b) - case when mod(a, b) <> 0 and (a < 0) <> (b < 0) then 1 else 0 end
$$;
-- A local day's first instant.
create function consumption_peer.midnight(day date, zone text) returns timestamptz
language sql immutable parallel safe as $$
  select day::timestamp at time zone zone
$$;
-- A span [first_day, end_day) reads whole months [ma, mb) from the monthly rollup and the
-- ragged edges from the daily one (as ../shared/peer/peer.sql does).
create function consumption_peer.ma(first_day date) returns date
language sql immutable parallel safe as $$
  select case when extract(day from first_day) = 1 then first_day
              else (date_trunc('month', first_day::timestamp) + interval '1 month')::date end
$$;
create function consumption_peer.mb(end_day date) returns date
language sql immutable parallel safe as $$
  select date_trunc('month', end_day::timestamp)::date
$$;
create function consumption_peer.in_edges(day date, first_day date, end_day date) returns boolean
language sql immutable parallel safe as $$
  select (day >= first_day and day < least(consumption_peer.ma(first_day), end_day))
      or (day >= greatest(consumption_peer.mb(end_day), consumption_peer.ma(first_day))
          and day < end_day)
$$;
-- The first day of the billing period holding `day` (anchor days are 1-28), and the first
-- day after `start` that falls on `anchor`.
create function consumption_peer.period_start(day date, anchor int) returns date
language sql immutable parallel safe as $$
  select (date_trunc('month', day::timestamp)
          - case when extract(day from day) < anchor then interval '1 month' else interval '0' end
         )::date + (anchor - 1)
$$;
create function consumption_peer.next_start(start date, anchor int) returns date
language sql immutable parallel safe as $$
  select (date_trunc('month', start::timestamp)
          + case when extract(day from start) < anchor then interval '0' else interval '1 month' end
         )::date + (anchor - 1)
$$;
-- Buckets of the usage chart: weeks start on Monday, months on the 1st.
create function consumption_peer.bucket(day date, unit text) returns date
language sql immutable parallel safe as $$
  select date_trunc(unit, day::timestamp)::date
$$;
create function consumption_peer.bucket_starts(first_day date, end_day date, unit text)
returns table (start date)
language sql immutable parallel safe rows 31 as $$
  select g::date from generate_series(consumption_peer.bucket(first_day, unit)::timestamp,
                                      (end_day - 1)::timestamp, ('1 ' || unit)::interval) g
$$;

-- The plan version in force on a local day: the latest one started by then.
create function consumption_peer.plan_on(org text, day date) returns setof public.plan_versions
language sql stable parallel safe rows 1 as $$
  select * from public.plan_versions p where p.org_id = org and p.effective_from <= day
  order by p.effective_from desc limit 1
$$;

-- The organization and the local days [first_day, end_day) asked for: a preset resolved as
-- the gateway resolves it (billing periods on the anchor day of the plan in force today), or
-- an inclusive from/to pair (not validated: the gateway refuses a reversed or too long range).
create function consumption_peer.span(org text, preset text, from_day date, to_day date,
                                      instant timestamptz)
returns table (name text, zone text, active_since date, today date, first_day date, end_day date)
language sql stable parallel safe rows 1 as $$
  with o as (
    select o.name, o.time_zone, o.active_since, (instant at time zone o.time_zone)::date as today
    from public.organizations o where o.id = org
  ), b as (
    select o.*, date_trunc('month', o.today::timestamp)::date as month,
           consumption_peer.period_start(
             o.today, coalesce((select p.billing_anchor_day
                                from consumption_peer.plan_on(org, o.today) p), 1)) as billing
    from o
  )
  select b.name, b.time_zone, b.active_since, b.today,
         case preset when 'THIS_MONTH' then b.month
                     when 'LAST_MONTH' then (b.month - interval '1 month')::date
                     when 'CURRENT_BILLING_PERIOD' then b.billing
                     when 'PREVIOUS_BILLING_PERIOD' then (b.billing - interval '1 month')::date
                     else from_day end,
         case preset when 'THIS_MONTH' then (b.month + interval '1 month')::date
                     when 'LAST_MONTH' then b.month
                     when 'CURRENT_BILLING_PERIOD' then (b.billing + interval '1 month')::date
                     when 'PREVIOUS_BILLING_PERIOD' then b.billing
                     else to_day + 1 end
  from b
$$;

-- Rollup sums per opening and status over local days [first_day, end_day).
create function consumption_peer.totals(org text, first_day date, end_day date)
returns table (opening_id text, status text, firsts bigint, credits_e4 bigint)
language sql stable parallel safe rows 500 as $$
  select r.opening_id, r.status, sum(r.firsts)::bigint, sum(r.credits_e4)::bigint
  from (
    select d.opening_id, d.status, d.firsts, d.credits_e4 from public.interview_daily d
    where d.org_id = org and consumption_peer.in_edges(d.day, first_day, end_day)
    union all
    select m.opening_id, m.status, m.firsts, m.credits_e4 from public.interview_monthly m
    where m.org_id = org and m.month >= consumption_peer.ma(first_day)
      and m.month < consumption_peer.mb(end_day)
  ) r
  group by r.opening_id, r.status
$$;

-- Distinct interviews with a COMPLETED or PARTIALLY_COMPLETED event in [t0, t1), simulated
-- interviews never (a distinct count: read from the events, by the partial indexes).
create function consumption_peer.interviews_done(org text, t0 timestamptz, t1 timestamptz)
returns bigint
language sql stable parallel safe as $$
  select count(distinct e.interview_id) from public.interview_events e
  where e.org_id = org and e.occurred_at >= t0 and e.occurred_at < t1
    and e.status in ('COMPLETED', 'PARTIALLY_COMPLETED')
    and not exists (select 1 from public.interview_events s
                    where s.org_id = e.org_id and s.interview_id = e.interview_id
                      and s.status = 'SIMULATION')
$$;

-- Charges of the raw events in [t0, t1): a partial day.
create function consumption_peer.charges_between(org text, t0 timestamptz, t1 timestamptz)
returns bigint
language sql stable parallel safe as $$
  select coalesce(sum(e.charge_e4), 0)::bigint from public.interview_events e
  where e.org_id = org and e.occurred_at >= t0 and e.occurred_at < t1
$$;

-- The billing period containing local day `target`, its balance carried from the
-- organization's first period by each plan's rollover rule (no row before it was active).
-- Periods that started before `lo` are over: one row each of the gateway's per-period rollup.
-- Later ones count the daily rollup and the purchases day by day up to today (the purchases
-- made by `instant`); for the target's period once it is over, also the first day the
-- balance fell to 0 or below (its forecast's runsOutOn).
create function consumption_peer.books(org text, target date, today date, instant timestamptz)
returns table (start date, end_day date, included bigint, rolled_over bigint, purchased bigint,
               used bigint, first_empty_day date)
language sql stable parallel safe rows 1 as $$
  with recursive plans as materialized (
    select p.* from public.plan_versions p where p.org_id = org
  ), o as materialized (
    select o.time_zone as zone, least(target, today) - 31 as lo, a.anchor,
           consumption_peer.period_start(o.active_since, a.anchor) as first_start
    from public.organizations o,
         lateral (select coalesce(
                    (select p.billing_anchor_day from plans p where p.effective_from <= o.active_since
                     order by p.effective_from desc limit 1),
                    (select p.billing_anchor_day from plans p order by p.effective_from limit 1),
                    1) as anchor) a
    where o.id = org
  ), bounds as (
    -- Each period's first day, and its end on the anchor day of the plan in force then.
    select 1 as n, o.first_start as start,
           consumption_peer.next_start(o.first_start, coalesce(
             (select p.billing_anchor_day from plans p where p.effective_from <= o.first_start
              order by p.effective_from desc limit 1), o.anchor)) as end_day
    from o where o.first_start <= target
    union all
    select b.n + 1, b.end_day,
           consumption_peer.next_start(b.end_day, coalesce(
             (select p.billing_anchor_day from plans p where p.effective_from <= b.end_day
              order by p.effective_from desc limit 1), o.anchor))
    from bounds b, o where b.end_day <= target
  ), periods as materialized (
    select b.*, p.effective_from is not null as planned,
           coalesce(p.credits_per_period_e4, 0) as included, p.rollover, p.rollover_cap_e4
    from bounds b
    left join lateral (select * from plans p where p.effective_from <= b.start
                       order by p.effective_from desc limit 1) p on true
  ), sums as materialized (
    select p.*,
           case when p.start < o.lo then coalesce(r.used_e4, 0)
                else (select coalesce(sum(d.credits_e4), 0) from public.interview_daily d
                      where d.org_id = org and d.day >= p.start
                        and d.day < least(p.end_day, today + 1)) end::bigint as used,
           case when p.start < o.lo then coalesce(r.purchased_e4, 0)
                else (select coalesce(sum(c.credits_e4), 0) from public.credit_purchases c
                      where c.org_id = org and c.occurred_at <= instant
                        and c.occurred_at >= consumption_peer.midnight(p.start, o.zone)
                        and c.occurred_at < consumption_peer.midnight(least(p.end_day, today + 1), o.zone))
                end::bigint as purchased
    from periods p cross join o
    left join public.interview_periods r on r.org_id = org and r.period_start = p.start
  ), chain as (
    select s.n, s.start, s.end_day, s.included, 0::bigint as rolled, s.purchased, s.used
    from sums s where s.n = 1
    union all
    select s.n, s.start, s.end_day, s.included,
           case when not s.planned or s.rollover = 'NONE'
                     or c.included + c.rolled + c.purchased - c.used <= 0 then 0
                when s.rollover = 'CAPPED'
                  then least(c.included + c.rolled + c.purchased - c.used, coalesce(s.rollover_cap_e4, 0))
                else c.included + c.rolled + c.purchased - c.used end,
           s.purchased, s.used
    from chain c join sums s on s.n = c.n + 1
  )
  select c.start, c.end_day, c.included, c.rolled, c.purchased, c.used,
         (select min(r.day) from (
            select m.day, sum(m.used) over w as used, sum(m.bought) over w as bought
            from (select d.day, d.credits_e4 as used, 0::bigint as bought
                  from public.interview_daily d
                  where d.org_id = org and d.day >= c.start and d.day < least(c.end_day, today + 1)
                  union all
                  select (p.occurred_at at time zone o.zone)::date, 0, p.credits_e4
                  from public.credit_purchases p
                  where p.org_id = org and p.occurred_at <= instant
                    and p.occurred_at >= consumption_peer.midnight(c.start, o.zone)
                    and p.occurred_at < consumption_peer.midnight(least(c.end_day, today + 1), o.zone)
                 ) m
            window w as (order by m.day)) r
          where c.start >= o.lo and not (c.start <= today and today < c.end_day)
            and c.included + c.rolled + r.bought - r.used <= 0 and r.used > 0)
  from chain c cross join o
  where c.start <= target and target < c.end_day
$$;

-- @@ page
-- $1 organization, $2 preset (or null with $3/$4: inclusive from/to days), $5 the instant
-- "now", $6 the By opening page size, $7-$9 the position after which it starts (credits in
-- ten-thousandths, job title, opening id; null for the first page).
with s as (
  select s.*, consumption_peer.midnight(s.first_day, s.zone) as start_at,
         consumption_peer.midnight(s.end_day, s.zone) as end_at
  from consumption_peer.span($1::text, $2::text, $3::date, $4::date, $5::timestamptz) s
), t as (
  select t.* from s, consumption_peer.totals($1, s.first_day, s.end_day) t
), used as (
  select coalesce(sum(t.credits_e4), 0)::bigint as credits from t
), days as (
  select d.day, coalesce(sum(d.firsts) filter (where d.status = 'COMPLETED'), 0) as completed,
         sum(d.credits_e4) as credits
  from s, public.interview_daily d
  where d.org_id = $1 and d.day >= s.first_day and d.day < s.end_day
  group by d.day
), ranked as (
  select o.id, o.job_title, coalesce(sum(t.firsts) filter (where t.status = 'INVITED'), 0) as invited,
         coalesce(sum(t.firsts) filter (where t.status = 'COMPLETED'), 0) as completed,
         sum(t.credits_e4) as credits
  from t join public.openings o on o.org_id = $1 and o.id = t.opening_id
  group by o.id, o.job_title
), rest as (
  select * from ranked o
  where $7::bigint is null
     or (-o.credits, o.job_title collate "C", o.id collate "C")
        > (-$7::bigint, $8::text collate "C", $9::text collate "C")
), page as (
  select * from rest
  order by credits desc, job_title collate "C", id collate "C" limit $6::int
), b as (
  -- The billing period holding the span's last day (the span itself, empty, before the
  -- organization was active), and whether it is the one running today.
  select coalesce(k.start, s.first_day) as start, coalesce(k.end_day, s.end_day) as end_day,
         coalesce(k.included, 0) as included, coalesce(k.rolled_over, 0) as rolled,
         coalesce(k.purchased, 0) as purchased, coalesce(k.used, 0) as used, k.first_empty_day
  from s left join lateral consumption_peer.books($1, s.end_day - 1, s.today, $5) k on true
), f as (
  select b.*, b.included + b.rolled + b.purchased as total,
         b.included + b.rolled + b.purchased - b.used as remaining,
         b.start <= s.today and s.today < b.end_day as current,
         (select coalesce(sum(d.credits_e4), 0) from public.interview_daily d
          where d.org_id = $1 and d.day >= s.today - 14 and d.day < s.today) as last14,
         greatest(0, b.end_day - s.today) as days_left
  from b, s
), fc as (
  -- The forecast: the current period at the last 14 days' rate, exact (projection rounded
  -- half-up to hundredths of a credit), or a past period's actual figures.
  select f.*, case when f.current
                   then consumption_peer.fdiv(14 * f.used + f.last14 * f.days_left + 700, 1400) * 100
                   else f.used end as projected
  from f
), y as materialized (
  -- The same span one year earlier, up to the same instant while the span is running; its
  -- whole local days [first_day, whole_end) from the rollups, the rest of the last day from
  -- the raw events. (Materialized: each figure is computed once, with plain dates.)
  select s.prev_start as start_at, greatest(s.prev_start, case
           when $5 < s.end_at
             then (($5 at time zone s.zone) - interval '1 year') at time zone s.zone
           else consumption_peer.midnight((s.end_day - interval '1 year')::date, s.zone) end) as end_at,
         (s.first_day - interval '1 year')::date as first_day, s.zone
  from (select s.*, consumption_peer.midnight((s.first_day - interval '1 year')::date, s.zone)
                    as prev_start from s) s
), yw as materialized (
  select y.*, case when y.end_at > y.start_at then (y.end_at at time zone y.zone)::date
                   else y.first_day end as whole_end
  from y
), ys as materialized (
  select yw.start_at, yw.end_at,
         (select coalesce(sum(t.credits_e4), 0)
          from consumption_peer.totals($1, yw.first_day, yw.whole_end) t)
         + case when yw.end_at > consumption_peer.midnight(yw.whole_end, yw.zone)
                then consumption_peer.charges_between(
                       $1, consumption_peer.midnight(yw.whole_end, yw.zone), yw.end_at)
                else 0 end as credits
  from yw
)
select json_build_object(
  'organization', json_build_object(
    'name', s.name,
    'timeZone', s.zone,
    'plan', (select json_build_object(
               'interviewCreditsPerPeriod', consumption_peer.credits(p.credits_per_period_e4),
               'rollover', p.rollover,
               'rolloverCap', consumption_peer.credits(p.rollover_cap_e4),
               'billingAnchorDay', p.billing_anchor_day)
             from consumption_peer.plan_on($1, s.today) p)),
  'consumption', json_build_object(
    'preset', $2::text,
    'start', s.start_at,
    'end', s.end_at,
    'totalInterviews', consumption_peer.interviews_done($1, s.start_at, s.end_at),
    'creditsUsed', consumption_peer.credits(used.credits),
    'remainingBalance', consumption_peer.credits(fc.remaining),
    'allocation', json_build_object(
      'included', consumption_peer.credits(fc.included),
      'rolledOver', consumption_peer.credits(fc.rolled),
      'purchased', consumption_peer.credits(fc.purchased),
      'total', consumption_peer.credits(fc.total)),
    'byStatus', (select json_agg(json_build_object(
                   'status', v.status,
                   'count', coalesce((select sum(t.firsts) from t where t.status = v.status), 0),
                   'creditsUsed', consumption_peer.credits(
                     coalesce((select sum(t.credits_e4) from t where t.status = v.status), 0)))
                 order by v.n)
                 from (values (1, 'INVITED'), (2, 'STARTED'), (3, 'PARTIALLY_COMPLETED'),
                              (4, 'COMPLETED'), (5, 'SIMULATION')) v(n, status)),
    'byOpening', json_build_object(
      'totalCount', (select count(*) from ranked),
      'hasNextPage', (select count(*) from rest) > $6::int,
      'nodes', coalesce((select json_agg(json_build_object(
                 'openingId', page.id, 'jobTitle', page.job_title,
                 'interviewsInvited', page.invited, 'interviewsCompleted', page.completed,
                 'creditsUsed', consumption_peer.credits(page.credits),
                 'position', json_build_array(page.credits, page.job_title, page.id))
               order by page.credits desc, page.job_title collate "C", page.id collate "C")
               from page), '[]'::json)),
    'daily', (select json_agg(x order by x.start) from (
                select g.start, coalesce(sum(d.completed), 0) as "interviewsCompleted",
                       consumption_peer.credits(coalesce(sum(d.credits), 0)) as "creditsUsed"
                from consumption_peer.bucket_starts(s.first_day, s.end_day, 'day') g
                left join days d on d.day = g.start group by g.start) x),
    'weekly', (select json_agg(x order by x.start) from (
                select g.start, coalesce(sum(d.completed), 0) as "interviewsCompleted",
                       consumption_peer.credits(coalesce(sum(d.credits), 0)) as "creditsUsed"
                from consumption_peer.bucket_starts(s.first_day, s.end_day, 'week') g
                left join days d on consumption_peer.bucket(d.day, 'week') = g.start
                group by g.start) x),
    'monthly', (select json_agg(x order by x.start) from (
                select g.start, coalesce(sum(d.completed), 0) as "interviewsCompleted",
                       consumption_peer.credits(coalesce(sum(d.credits), 0)) as "creditsUsed"
                from consumption_peer.bucket_starts(s.first_day, s.end_day, 'month') g
                left join days d on consumption_peer.bucket(d.day, 'month') = g.start
                group by g.start) x),
    'previousYear', json_build_object(
      'start', ys.start_at,
      'end', ys.end_at,
      'totalInterviews', consumption_peer.interviews_done($1, ys.start_at, ys.end_at),
      'creditsUsed', consumption_peer.credits(ys.credits),
      -- Signed whole percent, halves away from zero (exact); null after a span without use.
      'creditsChangePercent', case when ys.credits = 0 then null else (
        sign(used.credits - ys.credits)
        * consumption_peer.fdiv(2 * abs(used.credits - ys.credits) * 100 + ys.credits, 2 * ys.credits))::int end),
    'forecast', json_build_object(
      'projectedCreditsUsed', consumption_peer.credits(fc.projected),
      'projectedRemainingBalance', consumption_peer.credits(fc.total - fc.projected),
      'runsOutOn', case when not fc.current then fc.first_empty_day
                        when fc.remaining <= 0 then s.today
                        when fc.last14 = 0 then null
                        when consumption_peer.fdiv(14 * fc.remaining, fc.last14) >= fc.days_left then null
                        else s.today + consumption_peer.fdiv(14 * fc.remaining, fc.last14)::int end,
      'recommendedPurchase', case when not fc.current then consumption_peer.credits(0)
        else consumption_peer.credits(
          -consumption_peer.fdiv(-6 * greatest(0, fc.projected - fc.total), 50000) * 10000) end)
  )
)::text
from s, used, fc, ys
