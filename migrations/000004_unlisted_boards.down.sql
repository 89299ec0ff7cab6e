DROP TABLE board_creators;
