-- Whether a decision was made in blind double coding (`review --blind`):
-- the reviewer saw only their own decisions on the sentence, so it
-- overrules no other reviewer's. The report and training take a code as
-- given on a sentence when any blind reviewer's current judgement gives
-- it (their union, as two imported coders are counted); a decision made
-- seeing the others' still stands over them. Before, the latest decision
-- stood whoever made it, so two blind reviewers' disagreement was
-- settled by who saved last. 0 for every decision made before.
ALTER TABLE reviews ADD COLUMN blind INTEGER NOT NULL DEFAULT 0;
