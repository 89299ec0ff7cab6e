DROP TABLE board_versions;
DROP TABLE board_snapshots;
