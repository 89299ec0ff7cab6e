DROP TABLE instance_secrets;
DROP TABLE mail_unsubscribed;
DROP TABLE notifications;
DROP TABLE last_seen;
ALTER TABLE ops DROP COLUMN made_by;
