DROP TABLE board_drafts;
