DROP TABLE board_facilitation;
