DROP TABLE session_grants;
DROP TABLE share_links;
DROP TABLE board_members;
DROP TABLE sessions;
DROP TABLE users;
