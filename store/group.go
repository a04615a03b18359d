package store

import (
	"context"
	"database/sql"
	"fmt"
	"runtime/debug"
	"sync"
	"time"
)

// An update is one caller's request to run fn in a write transaction.
type update struct {
	ctx   context.Context
	actor Actor
	fn    func(tx *Tx) error
	done  chan error // receives the outcome once
}

// committer gives the single writer connection to one caller at a time,
// the leader, which runs every update queued so far in one transaction and
// commits them with one fsync. A caller waits until its update is done or
// until it can become the leader itself, so an update queued while a group
// commits is run by the next leader and never waits for a caller that left.
type committer struct {
	mu      sync.Mutex
	pending []*update
	leader  chan struct{} // holds a token while a leader runs
}

func newCommitter() committer {
	return committer{leader: make(chan struct{}, 1)}
}

func (c *committer) run(db *DB, u *update) error {
	c.mu.Lock()
	c.pending = append(c.pending, u)
	c.mu.Unlock()
	for {
		select {
		case err := <-u.done:
			return err
		case c.leader <- struct{}{}:
			c.mu.Lock()
			group := c.pending
			c.pending = nil
			c.mu.Unlock()
			if len(group) > 0 {
				db.commitGroup(group)
			}
			<-c.leader
		}
	}
}

// commitGroup runs the updates of group in one immediate transaction and
// commits it. A single update runs without a savepoint, as a plain
// transaction. Each update of a larger group runs inside a savepoint: one
// that fails is rolled back to its savepoint and gets its own error, while
// the others commit. If the commit fails, every update that had succeeded
// gets the commit error, because none of them is on disk.
func (db *DB) commitGroup(group []*update) {
	live := group[:0:0]
	for _, u := range group {
		if err := u.ctx.Err(); err != nil {
			u.done <- err
			continue
		}
		live = append(live, u)
	}
	if len(live) == 0 {
		return
	}
	ctx := context.Background()
	if len(live) == 1 {
		ctx = live[0].ctx
	}
	sqlTx, err := db.writer.BeginTx(ctx, nil)
	if err != nil {
		finish(live, fmt.Errorf("begin write transaction: %w", err))
		return
	}
	seq, h, err := head(ctx, sqlTx.StmtContext(ctx, db.selectHead))
	if err != nil {
		db.rollback(sqlTx, err)
		finish(live, fmt.Errorf("read journal head: %w", err))
		return
	}

	if len(live) == 1 {
		u := live[0]
		tx := db.newTx(u, sqlTx, seq, h)
		if err := db.apply(u, tx); err != nil {
			db.rollback(sqlTx, err)
			u.done <- err
			return
		}
		if err := sqlTx.Commit(); err != nil {
			u.done <- fmt.Errorf("commit: %w", err)
			return
		}
		u.done <- nil
		return
	}

	var insert *sql.Stmt
	committed := live[:0:0]
	for _, u := range live {
		tx := db.newTx(u, sqlTx, seq, h)
		// Cancelling one caller's context must not interrupt the shared
		// connection: SQLite rolls back the whole transaction of an
		// interrupted write, and with it the updates of the other callers.
		tx.ctx = context.WithoutCancel(u.ctx)
		tx.insert = insert
		if err := db.inSavepoint(sqlTx, u, tx); err != nil {
			u.done <- err
			continue
		}
		seq, h, insert = tx.seq, tx.hash, tx.insert
		committed = append(committed, u)
	}
	if len(committed) == 0 {
		db.rollback(sqlTx, nil)
		return
	}
	if err := sqlTx.Commit(); err != nil {
		finish(committed, fmt.Errorf("commit: %w", err))
		return
	}
	finish(committed, nil)
}

func (db *DB) newTx(u *update, sqlTx *sql.Tx, seq int64, h string) *Tx {
	return &Tx{db: db, tx: sqlTx, ctx: u.ctx, actor: u.actor, at: db.now().Format(time.RFC3339Nano), seq: seq, hash: h}
}

// inSavepoint runs u between SAVEPOINT and RELEASE, rolling back to the
// savepoint when it fails.
func (db *DB) inSavepoint(sqlTx *sql.Tx, u *update, tx *Tx) error {
	ctx := context.Background()
	if _, err := sqlTx.ExecContext(ctx, "SAVEPOINT grouped"); err != nil {
		return fmt.Errorf("begin savepoint: %w", err)
	}
	err := db.apply(u, tx)
	if err != nil {
		if _, rbErr := sqlTx.ExecContext(ctx, "ROLLBACK TO grouped"); rbErr != nil {
			db.log.Error("roll back to savepoint", "err", rbErr, "cause", err, "actor", u.actor)
		}
	}
	if _, relErr := sqlTx.ExecContext(ctx, "RELEASE grouped"); relErr != nil && err == nil {
		err = fmt.Errorf("release savepoint: %w", relErr)
	}
	return err
}

// apply calls the update's function, turning a panic into an error so that
// one faulty caller cannot leave the writer connection inside a transaction
// and stall every other update.
func (db *DB) apply(u *update, tx *Tx) (err error) {
	defer func() {
		if r := recover(); r != nil {
			db.log.Error("update panicked", "actor", u.actor, "panic", r, "stack", string(debug.Stack()))
			err = fmt.Errorf("store: update panicked: %v", r)
		}
	}()
	return u.fn(tx)
}

func (db *DB) rollback(sqlTx *sql.Tx, cause error) {
	if err := sqlTx.Rollback(); err != nil {
		db.log.Error("roll back write transaction", "err", err, "cause", cause)
	}
}

func finish(group []*update, err error) {
	for _, u := range group {
		u.done <- err
	}
}
