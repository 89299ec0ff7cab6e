-- Every commit updates its board's row (seq, card count, updated_at). Without an index on
-- a column that changes, and with room left on each page, those updates are HOT: no new
-- index entries, less WAL per commit, and no chain of row versions for the next commit's
-- lock to walk. Board lists sort at most a few thousand rows; they need no index.
DROP INDEX boards_updated_at;
ALTER TABLE boards SET (fillfactor = 50);
