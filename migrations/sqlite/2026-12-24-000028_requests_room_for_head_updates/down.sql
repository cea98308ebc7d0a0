-- PostgreSQL only (a page's free room for updates, `fillfactor`); SQLite rewrites a row in
-- place and has no such setting. Kept so that both backends hold the same migrations.
SELECT 1;
