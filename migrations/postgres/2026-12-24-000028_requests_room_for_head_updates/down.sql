ALTER TABLE requests RESET (fillfactor);
