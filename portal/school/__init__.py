"""A school's accounts: ID/password lists, account cards, reissue of lost cards and the
yearly rotation of credentials (seed 003)."""
