DROP TABLE instance_heartbeats;
