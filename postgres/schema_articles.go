package postgres

import "github.com/khabar/khabar/internal/migrate"

func init() { components = append(components, articlesSchema) }

// articlesSchema is the article store's history.
var articlesSchema = migrate.Component{Name: "articles", Steps: []migrate.Step{
	{Version: 1, SQL: articlesV1},
}}

// articlesV1: one row per article ID, holding its latest change. doc is
// the article's JSON, NULL once deleted (the row stays so that followers
// learn of the deletion). seq orders the changes; it is given out from
// the one row of khabar_article_seq, whose row lock every writer holds
// until it commits, so numbers become visible in order (a SEQUENCE would
// let a later number commit before an earlier one, and a follower that
// had read past it would never see the earlier).
const articlesV1 = `
CREATE TABLE IF NOT EXISTS khabar_articles (
	id         text PRIMARY KEY,
	seq        bigint NOT NULL,
	doc        jsonb,
	published  timestamptz,
	updated    timestamptz,
	changed_at timestamptz NOT NULL DEFAULT now()
);
CREATE UNIQUE INDEX IF NOT EXISTS khabar_articles_seq ON khabar_articles (seq);
CREATE INDEX IF NOT EXISTS khabar_articles_published ON khabar_articles (published) WHERE doc IS NOT NULL;
CREATE TABLE IF NOT EXISTS khabar_article_seq (
	one boolean PRIMARY KEY DEFAULT true CHECK (one),
	seq bigint NOT NULL
);
INSERT INTO khabar_article_seq (one, seq) VALUES (true, 0) ON CONFLICT DO NOTHING;
`
