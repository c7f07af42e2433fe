-- Every account with its counties and teams (sorted lists) and its single sign-on identity, by name.
SELECT * FROM (
    SELECT a.account_id, a.name, a.display_name, a.role,
           coalesce(list_sort(list(s.value) FILTER (WHERE s.kind = 'county')), []::TEXT[]) AS counties,
           coalesce(list_sort(list(s.value) FILTER (WHERE s.kind = 'team')), []::TEXT[]) AS teams,
           a.disabled, a.failed_count, a.locked_until_utc, a.created_at_utc, a.last_sign_in_utc,
           a.sso_subject
    FROM accounts AS a
    LEFT JOIN account_scopes AS s ON s.account_id = a.account_id
    GROUP BY ALL
)
ORDER BY lower(name), account_id
