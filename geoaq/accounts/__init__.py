"""Accounts, roles and jurisdictions (账号、角色与辖区).

`roles` (the five roles, their permissions, the `Actor` a service function acts for),
`passwords` (argon2id hashes, the policy), `store` (accounts in the database: add, list,
disable, reset a password, set a role and its counties), `sessions` (sign in, sessions that
expire, lock-out, sign out). Migration 0011.
"""
