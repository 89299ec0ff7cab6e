DROP TABLE board_ballots;
