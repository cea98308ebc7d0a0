DROP TABLE legal_bases;
