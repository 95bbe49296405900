package sqlite

import "github.com/khabar/khabar/internal/migrate"

// articlesSchema is the article store's history.
var articlesSchema = migrate.Component{Name: "articles", Steps: []migrate.Step{
	{Version: 1, SQL: articlesV1},
}}

// articlesV1: one row per article ID, holding its latest change. doc is
// the article's JSON Lines form, NULL once deleted (the row stays so that
// followers learn of the deletion). seq orders the changes; article_seq
// holds the last number given out.
const articlesV1 = `
CREATE TABLE IF NOT EXISTS articles (
	id         TEXT PRIMARY KEY,
	seq        INTEGER NOT NULL,
	doc        TEXT,
	published  INTEGER,
	updated    INTEGER,
	changed_ms INTEGER NOT NULL
);
CREATE UNIQUE INDEX IF NOT EXISTS articles_seq ON articles (seq);
CREATE INDEX IF NOT EXISTS articles_published ON articles (published) WHERE doc IS NOT NULL;
CREATE TABLE IF NOT EXISTS article_seq (
	one INTEGER PRIMARY KEY CHECK (one = 1),
	seq INTEGER NOT NULL
);
INSERT OR IGNORE INTO article_seq (one, seq) VALUES (1, 0);
`
