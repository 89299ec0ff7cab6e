ALTER TABLE boards RESET (fillfactor);
CREATE INDEX boards_updated_at ON boards (updated_at DESC);
