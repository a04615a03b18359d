package main

import (
	"context"
	"fmt"
	"log/slog"
	"sync"

	"fyne.io/fyne/v2"

	"lambtrace/cmd/internal/dayrun"
	"lambtrace/line"
	"lambtrace/store"
	"lambtrace/ui"
)

// uiSetup implements ui.Setup over the store: the imports go through
// dayrun.ImportOnce, as -products and -registry do, and the first admin
// through store.DB.CreateFirstAdmin.
type uiSetup struct{ db *store.DB }

func (s uiSetup) SetupState(ctx context.Context) (ui.SetupState, error) {
	var st ui.SetupState
	var err error
	if _, st.Products, err = s.db.LastImport(ctx, store.ImportProducts); err != nil {
		return st, err
	}
	if _, st.Registry, err = s.db.LastImport(ctx, store.ImportRegistry); err != nil {
		return st, err
	}
	st.Admin, err = s.db.HasAdmin(ctx)
	return st, err
}

func (s uiSetup) Import(ctx context.Context, kind ui.ImportKind, path string) error {
	var storeKind string
	switch kind {
	case ui.ImportProducts:
		storeKind = store.ImportProducts
	case ui.ImportRegistry:
		storeKind = store.ImportRegistry
	default:
		return fmt.Errorf("unknown import kind %q: use %s or %s", kind, ui.ImportProducts, ui.ImportRegistry)
	}
	_, err := dayrun.ImportOnce(ctx, s.db, importActor, storeKind, path)
	return err
}

func (s uiSetup) CreateAdmin(ctx context.Context, id, name, pin string) error {
	return s.db.CreateFirstAdmin(ctx, importActor, store.User{ID: id, Name: name}, pin)
}

// firstStartNeeded reports whether a data directory in state needs the
// first start. demoAdmin is true when the demo users, the demo admin
// among them, give the station its admin. Once shown, the first start
// also requires an admin when none can sign in.
func firstStartNeeded(state ui.SetupState, demoAdmin bool) bool {
	return !state.Products || !state.Registry || (!state.Admin && !demoAdmin)
}

// demoAdmin reports whether a kiosk started with cfg and o makes the demo
// users: a simulated one does, unless it starts on a data directory that
// has no users and no files named on the command line. That is a first
// start, and one stopped halfway resumes at the admin step.
func demoAdmin(cfg *Config, o options, users []store.User) bool {
	return cfg.Simulated && (o.products != "" || o.registry != "" || len(users) > 0)
}

// firstStart is the first start of a kiosk on a data directory that
// lacks a product master, a registry export or an admin.
type firstStart struct {
	db      *store.DB
	closeDB sync.Once
	cfg     *Config
	log     *slog.Logger
}

// close closes the database of the first start once.
func (f *firstStart) close() {
	f.closeDB.Do(func() {
		if err := f.db.Close(); err != nil {
			f.log.Warn("database not closed after the first start", "err", err)
		}
	})
}

// openFirstStart opens the data directory, imports the files the command
// line names and returns the first start the directory needs, or nil
// when it needs none.
func openFirstStart(ctx context.Context, cfg *Config, o options, log *slog.Logger) (*firstStart, error) {
	db, err := store.Open(ctx, cfg.DataDir, store.Options{Station: cfg.Station.ID, Logger: log})
	if err != nil {
		return nil, err
	}
	if err := importFiles(ctx, db, o.products, o.registry, log); err != nil {
		db.Close()
		return nil, err
	}
	state, err := uiSetup{db: db}.SetupState(ctx)
	if err != nil {
		db.Close()
		return nil, err
	}
	users, err := db.Users(ctx)
	if err != nil {
		db.Close()
		return nil, err
	}
	if !firstStartNeeded(state, demoAdmin(cfg, o, users)) {
		return nil, db.Close()
	}
	log.Info("first start needed", "data", cfg.DataDir, "products", state.Products, "registry", state.Registry, "admin", state.Admin)
	return &firstStart{db: db, cfg: cfg, log: log}, nil
}

// run shows the first start in w and runs the app. Once every step is
// done it closes its database and calls open off the fyne goroutine,
// which opens the line service and returns the function that shows the
// kiosk in w, to be called on the fyne goroutine. run returns when the
// app quits, after stopping what open started.
func (f *firstStart) run(ctx context.Context, a fyne.App, w fyne.Window,
	open func(lang line.Lang) (show func() (stop func(), err error), closeService func(), err error)) error {
	var (
		mu    sync.Mutex
		stops []func()
	)
	defer func() {
		mu.Lock()
		defer mu.Unlock()
		for i := len(stops) - 1; i >= 0; i-- {
			stops[i]()
		}
		f.close()
	}()

	var wizard *ui.FirstStart
	done := func(lang line.Lang) {
		go func() {
			f.close()
			show, closeService, err := open(lang)
			if err != nil {
				fyne.Do(func() { wizard.ShowError(err) })
				return
			}
			mu.Lock()
			stops = append(stops, closeService)
			mu.Unlock()
			fyne.DoAndWait(func() {
				wizard.Close()
				stop, err := show()
				if err != nil {
					wizard.ShowError(err)
					return
				}
				mu.Lock()
				stops = append(stops, stop)
				mu.Unlock()
			})
		}()
	}
	wizard, err := ui.NewFirstStart(w, ui.FirstStartConfig{Setup: uiSetup{db: f.db}, Roots: f.cfg.ImportRoots,
		Lang: line.Lang(f.cfg.Language), Done: done, Logger: f.log})
	if err != nil {
		return err
	}
	wizard.Start()
	go func() {
		<-ctx.Done()
		fyne.Do(a.Quit)
	}()
	ui.Present(w)
	a.Run()
	wizard.Close()
	return nil
}
