DROP TABLE token_failures;
DROP TABLE signing_keys;
