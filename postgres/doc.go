// Package postgres keeps khabar's state in PostgreSQL (through
// github.com/jackc/pgx/v5), for publishers who run more than one machine:
// several senders delivering one edition, several feed servers following
// one catalog, several aggregators sharing the upstream feeds.
//
// To start, open the database (a postgres:// URL) once per process and
// hand the stores to the packages that use them:
//
//	db, err := postgres.Open(ctx, "postgres://khabar@db.internal/khabar")
//	...
//	defer db.Close()
//
// Open applies the schema migrations the database lacks, one component at
// a time under an advisory lock, so processes starting together do not
// race. DB is safe for concurrent use.
//
// NewStore gives the digest's subscriber store (a digest.Lifecycle, whose
// changes of one address queue on an advisory lock) and sent log, NewJournal
// the delivery journal; a deliver.Sender on that journal shares an
// edition with every other sender on the database (see deliver.Claimer):
//
//	store, journal := postgres.NewStore(db), postgres.NewJournal(db)
//	sender, err := deliver.NewSender(deliver.Config{Client: c, Journal: journal})
//	counts, err := sender.Run(ctx, (&deliver.Digest{Builder: b, Store: store}).Jobs(ctx, ed))
//
// DB.Articles is the article store that feed-server replicas follow
// (khabar.Follower; writes notify followers with LISTEN/NOTIFY) and
// DB.PollState the poll state aggregators split their feeds with
// (upstream.Leaser; claims with FOR UPDATE SKIP LOCKED).
package postgres
