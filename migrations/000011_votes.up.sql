-- The ballots of a board's dot votes (docs/facilitation.md): how many votes each person
-- put on each item. The votes themselves, open and past, and their results are in the
-- facilitation state; the ballots are kept apart because, while a vote is open, each
-- person may see only their own. voter is the identity the server stamps on a person's
-- annotations (u:<user>, g:<guest digest>, c:<client>).
CREATE TABLE board_ballots (
    board_id text NOT NULL REFERENCES boards (id) ON DELETE CASCADE,
    vote_id  text NOT NULL,
    voter    text NOT NULL,
    item     text NOT NULL,
    votes    int  NOT NULL CHECK (votes > 0),
    PRIMARY KEY (board_id, vote_id, voter, item)
);
