-- A theme's members are the latest run's inputs whose leaf is the theme or
-- one below it (store::theme_members); `theme_members` now keeps only the
-- members of themes someone decided on (accept, rename, merge, split,
-- dismiss: store::keep_theme_members), so that they outlive their run.
--
-- Every run used to write all its members here, 320k rows a nightly at
-- 100k sentences (about 13 MB), never read and never dropped: the store grew
-- by that every night. The rows of themes no one decided on go; the latest
-- run's come back from its inputs, earlier runs' clusterings were replaced.
DELETE FROM theme_members
WHERE theme_id NOT IN (SELECT theme_id FROM theme_decisions)
  AND theme_id IN (SELECT id FROM theme_suggestions WHERE status = 'open');

-- A theme's descendants, walked down from it (store::theme_members).
CREATE INDEX theme_suggestions_parent ON theme_suggestions(parent_id);
