DROP TABLE board_templates;
