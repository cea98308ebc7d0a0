DELETE FROM legal_bases;
