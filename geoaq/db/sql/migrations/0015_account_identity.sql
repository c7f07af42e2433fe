-- Single sign-on (geoaq.web.auth, st.login): the identity an organisation's identity provider
-- gives a person (its OIDC "sub", or an e-mail address) that signs in as this account. Set by
-- an administrator (`geoaq users set-sso NAME SUBJECT`); NULL: only the password signs in.
ALTER TABLE accounts ADD COLUMN IF NOT EXISTS sso_subject TEXT;
