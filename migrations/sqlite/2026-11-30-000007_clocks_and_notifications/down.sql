DROP TABLE sent_reminders;
DROP TABLE webhook_deliveries;
DROP TABLE webhooks;
DROP TABLE notifications;
DROP TABLE jobs;
DROP TABLE party_clock_targets;
DROP TABLE clocks;
