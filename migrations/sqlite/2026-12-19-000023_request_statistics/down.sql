DROP TABLE request_statistics_state;
DROP TABLE request_statistics;
