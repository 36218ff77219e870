-- The counts a return carries, measured from record extracts.
--
-- Each query is named by a "-- name:" line and reads one extract table (its good rows only: bad
-- rows were reported and excluded before). Parameters ($name) are the windows of the rules in
-- force, so a profile that changes a window changes these counts. Working days come from the
-- `calendar` table (weekends and England and Wales bank holidays are not working days), whose
-- due_no counts working days up to and including the day, a day off counting as the next working
-- day, so
--   action.due_no - event.due_no <= N
-- is "within N working days" exactly as compliance.domain.calendar.within_working_days says (on or
-- before the end of the Nth working day after the event's day, counted from the next working day
-- when the event falls on a day off; N = 0: the same working day).
-- An empty date means "not done": it is never counted as in time.
--
-- Every count is per organisation (`org_code`): one row per organisation that has rows, and references
-- (child_ref, staff_ref) are matched within an organisation only. A trust's own extracts are one
-- organisation (org_code is empty); national extracts carry the code on every row. An organisation
-- with no row a query counts gets no row from it: its counts are zero.

-- name: missed_appointments
-- WNB-002: missed appointments (attendance code 3 did not attend, 7 arrived late and not seen;
-- 2 is a cancellation, not a missed appointment) of children under the age limit.
SELECT org_code,
       count(*)                                                   AS total,
       count(*) FILTER (WHERE recorded_as = 'was_not_brought')    AS coded_was_not_brought
FROM outpatients
WHERE attendance_code IN ('3', '7')
  AND appointment_date BETWEEN $period_start AND $period_end
  AND age < $wnb_max_age
GROUP BY org_code;

-- name: follow_up
-- WNB-003: every missed appointment of a child, reviewed by a clinician within the window.
SELECT o.org_code,
       count(*)                                                                          AS was_not_brought,
       count(*) FILTER (WHERE reviewed.due_no - missed.due_no <= $review_working_days) AS reviewed_in_time,
       count(*) FILTER (WHERE o.discharged_without_review)                               AS discharged_without_review
FROM outpatients o
JOIN calendar missed        ON missed.day = o.appointment_date
LEFT JOIN calendar reviewed ON reviewed.day = o.reviewed_date
WHERE o.attendance_code IN ('3', '7')
  AND o.appointment_date BETWEEN $period_start AND $period_end
GROUP BY o.org_code;

-- name: escalation
-- WNB-004: missed appointments of children on a plan or looked after, or a repeat (the child's
-- previous appointment that took place or was missed was missed too; cancellations do not count),
-- and whether the lead professional was told within the window.
WITH sequence AS (
    SELECT o.*,
           lag(attendance_code IN ('3', '7')) OVER (PARTITION BY org_code, child_ref
                                                    ORDER BY appointment_date, appointment_ref) AS previous_missed
    FROM outpatients o
    WHERE attendance_code IN ('3', '5', '6', '7')
)
SELECT s.org_code,
       count(*)                                                                               AS eligible,
       count(*) FILTER (WHERE told.due_no - missed.due_no <= $notify_working_days) AS notified_in_time
FROM sequence s
JOIN calendar missed    ON missed.day = s.appointment_date
LEFT JOIN calendar told ON told.day = s.lead_professional_told
WHERE s.attendance_code IN ('3', '7')
  AND (s.on_plan_or_looked_after OR coalesce(s.previous_missed, false))
  AND s.appointment_date BETWEEN $period_start AND $period_end
GROUP BY s.org_code;

-- name: ed
-- ALR-002, ALR-004, RSK-002: attendances of under-18s at ED / UTC in the period.
SELECT e.org_code,
       count(*)                                                                                      AS attendances,
       count(*) FILTER (WHERE e.cpis_checked)                                                        AS cpis_checked,
       count(*) FILTER (WHERE e.safeguarding_screen)                                                 AS screened,
       count(*) FILTER (WHERE told.due_no - arrived.due_no <= $ed_notify_working_days) AS notified_in_time
FROM ed_attendances e
JOIN calendar arrived   ON arrived.day = CAST(e.arrival AS DATE)
LEFT JOIN calendar told ON told.day = e.gp_hv_sn_told
WHERE CAST(e.arrival AS DATE) BETWEEN $period_start AND $period_end
GROUP BY e.org_code;

-- name: referrals
-- INF-001: referrals whose concern arose in the period; referred within the working-day window,
-- confirmed in writing within the window in hours (elapsed time).
SELECT r.org_code,
       count(*)                                                                                       AS total,
       count(*) FILTER (WHERE referred.due_no - concern.due_no <= $referral_working_days) AS referred_in_time,
       count(*) FILTER (WHERE r.confirmed_in_writing <= r.referred + to_hours($written_hours))         AS confirmed_in_time
FROM referrals r
JOIN calendar concern       ON concern.day = CAST(r.concern_identified AS DATE)
LEFT JOIN calendar referred ON referred.day = CAST(r.referred AS DATE)
WHERE CAST(r.concern_identified AS DATE) BETWEEN $period_start AND $period_end
GROUP BY r.org_code;

-- name: conferences
-- INF-002: child-protection conferences held in the period that the organisation was invited to,
-- and those it attended or sent a report to.
SELECT org_code,
       count(*)                                           AS invited,
       count(*) FILTER (WHERE attended OR report_sent)   AS attended_or_reported
FROM cp_conferences
WHERE conference_date BETWEEN $period_start AND $period_end
GROUP BY org_code;

-- name: episodes
-- MIS-001: episodes that started in the period, by classification and risk grade.
SELECT org_code,
       count(*) FILTER (WHERE classification = 'missing' AND risk_grade = 'no_apparent_risk') AS missing_no_apparent_risk,
       count(*) FILTER (WHERE classification = 'missing' AND risk_grade = 'low')              AS missing_low,
       count(*) FILTER (WHERE classification = 'missing' AND risk_grade = 'medium')           AS missing_medium,
       count(*) FILTER (WHERE classification = 'missing' AND risk_grade = 'high')             AS missing_high,
       count(*) FILTER (WHERE classification = 'missing' AND risk_grade IS NULL)              AS missing_ungraded,
       count(*) FILTER (WHERE classification = 'absent')                                      AS absent,
       count(*) FILTER (WHERE classification = 'away_from_placement')                         AS away_from_placement
FROM missing_episodes
WHERE CAST(start AS DATE) BETWEEN $period_start AND $period_end
GROUP BY org_code;

-- name: return_interviews
-- MIS-002: episodes that started in the period and ended with the child's return.
SELECT m.org_code,
       count(*)                                                                                        AS episodes,
       count(*) FILTER (WHERE m.interview_offered IS NOT NULL)                                         AS offered,
       count(*) FILTER (WHERE m.interview_done <= m.returned + to_hours($interview_hours))               AS done_in_time,
       count(*) FILTER (WHERE told.due_no - back.due_no <= $health_told_working_days)     AS health_notified_in_time
FROM missing_episodes m
JOIN calendar back      ON back.day = CAST(m.returned AS DATE)
LEFT JOIN calendar told ON told.day = m.health_told
WHERE CAST(m.start AS DATE) BETWEEN $period_start AND $period_end
GROUP BY m.org_code;

-- name: from_health_settings
-- MIS-003: episodes from a health setting, and whether each was reported as the protocol requires.
SELECT org_code,
       count(*)                                           AS episodes,
       count(*) FILTER (WHERE reported_per_protocol)      AS reported_per_protocol
FROM missing_episodes
WHERE from_health_setting
  AND CAST(start AS DATE) BETWEEN $period_start AND $period_end
GROUP BY org_code;

-- name: repeat
-- MIS-004: children with at least $repeat_episodes episodes starting within $repeat_days days
-- (the first and the last of them less than $repeat_days days apart), one of them in the period.
WITH numbered AS (
    SELECT org_code, child_ref, start,
           row_number() OVER (PARTITION BY org_code, child_ref ORDER BY start, episode_ref) AS n
    FROM missing_episodes
),
runs AS (
    SELECT DISTINCT later.org_code, later.child_ref
    FROM numbered later
    JOIN numbered earlier
      ON earlier.org_code = later.org_code AND earlier.child_ref = later.child_ref AND earlier.n = later.n - ($repeat_episodes - 1)
    WHERE later.start < earlier.start + to_days($repeat_days)
      AND CAST(later.start AS DATE) BETWEEN $period_start AND $period_end
),
child AS (
    SELECT org_code, child_ref, bool_or(exploitation_assessed) AS assessed, bool_or(alert_placed) AS alerted
    FROM missing_episodes GROUP BY org_code, child_ref
)
SELECT org_code,
       count(*)                               AS children,
       count(*) FILTER (WHERE child.assessed) AS exploitation_assessed,
       count(*) FILTER (WHERE child.alerted)  AS alert_placed
FROM runs JOIN child USING (org_code, child_ref)
GROUP BY org_code;

-- name: initial_assessments
-- LAC-001: children who entered care in the period; assessed within the working-day window, by a doctor.
SELECT l.org_code,
       count(*)                                                                                           AS entered_care,
       count(*) FILTER (WHERE assessed.due_no - entered.due_no <= $lac_initial_working_days) AS assessed_in_time,
       count(*) FILTER (WHERE l.assessed_by = 'medical_practitioner')                                    AS by_medical_practitioner
FROM lac_health l
JOIN calendar entered       ON entered.day = l.entered_care
LEFT JOIN calendar assessed ON assessed.day = l.initial_assessment
WHERE l.entered_care BETWEEN $period_start AND $period_end
GROUP BY l.org_code;

-- name: review_assessments
-- LAC-002: reviews due in the period (done by the due date), and moves out of area (host told first).
SELECT org_code,
       count(*) FILTER (WHERE review_due BETWEEN $period_start AND $period_end)                              AS due,
       count(*) FILTER (WHERE review_due BETWEEN $period_start AND $period_end AND review_done <= review_due) AS in_date,
       count(*) FILTER (WHERE moved_out_of_area BETWEEN $period_start AND $period_end)                      AS out_of_area_moves,
       count(*) FILTER (WHERE moved_out_of_area BETWEEN $period_start AND $period_end
                          AND host_told <= moved_out_of_area)                                               AS host_notified
FROM lac_health
GROUP BY org_code;

-- name: health_plans
-- LAC-003: children with a health assessment in the period; a plan; the questionnaire for ages 4-16.
SELECT org_code,
       count(*)                                                            AS assessments,
       count(*) FILTER (WHERE health_plan)                                 AS with_plan,
       count(*) FILTER (WHERE age BETWEEN 4 AND 16)                        AS sdq_eligible,
       count(*) FILTER (WHERE age BETWEEN 4 AND 16 AND sdq_done)           AS sdq_done
FROM lac_health
WHERE initial_assessment BETWEEN $period_start AND $period_end
   OR review_done BETWEEN $period_start AND $period_end
GROUP BY org_code;

-- name: groups
-- TRN-001..003: staff in post by group, level and service; in date = completed within the level's
-- renewal interval before the period end.
SELECT org_code,
       staff_group                                                    AS "group",
       CAST(level AS INTEGER)                                         AS level,
       service,
       count(*)                                                       AS staff_in_post,
       count(*) FILTER (WHERE last_completed <= $period_end AND last_completed >= $period_end - to_months(
           CASE level WHEN '1' THEN $renewal_months_1 WHEN '2' THEN $renewal_months_2 ELSE $renewal_months_3 END))
                                                                      AS in_date,
       CASE level WHEN '1' THEN $renewal_months_1 WHEN '2' THEN $renewal_months_2 ELSE $renewal_months_3 END
                                                                      AS renewal_months
FROM training
WHERE level IN ('1', '2', '3')
GROUP BY ALL
ORDER BY org_code, level, "group", service;

-- name: specialist_posts
-- TRN-004: named and designated professionals (levels 4-5) and their learning hours in the window.
SELECT t.org_code,
       t.staff_group                                                                     AS post,
       coalesce(sum(l.hours), 0)                                                         AS learning_hours
FROM training t
LEFT JOIN learning_log l
       ON l.org_code = t.org_code
      AND l.staff_ref = t.staff_ref
      AND l.date <= $period_end AND l.date >= $period_end - to_years($learning_years)
WHERE t.level IN ('4', '5')
GROUP BY t.org_code, t.staff_ref, t.staff_group
ORDER BY t.org_code, t.staff_group, t.staff_ref;

-- name: board
-- TRN-005: board members, trained within the window after appointment; a member whose window has
-- not yet closed and who is not yet trained is not yet due and is left out.
SELECT org_code,
       count(*) FILTER (WHERE trained OR due)  AS members,
       count(*) FILTER (WHERE trained)         AS trained_in_time
FROM (SELECT org_code, coalesce(last_completed <= appointed + to_months($board_months), false) AS trained,
             coalesce(appointed + to_months($board_months) <= $period_end, true)   AS due
      FROM training WHERE level = 'board')
GROUP BY org_code;
