-- Every event moves its request's chain head (`requests.head_seq`, `head_hash`, by the trigger
-- of migration 000025): the request row is updated once per event, by every action and by
-- every reminder of the deadline scanner. Neither column is indexed, so PostgreSQL can make
-- that update "heap-only" (HOT: no entry in any of the table's indexes), but only when the
-- row's page has room for the new version. Filled to 100 %, as PostgreSQL fills a table by
-- default, a page has none, and each event wrote an entry in every index of `requests`
-- (its key, reference, issuer, status, follow-up, submission and basis indexes). A tenth of
-- each new page is kept free for those updates (issue 16). Existing pages gain room as
-- their rows move; nothing is rewritten here.
ALTER TABLE requests SET (fillfactor = 90);
