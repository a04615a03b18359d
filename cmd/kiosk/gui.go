package main

import (
	"context"
	"errors"
	"log/slog"
	"os"
	"path/filepath"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/app"

	"lambtrace/line"
	"lambtrace/store"
	"lambtrace/ui"
)

// errNoDisplay reports that no window can be opened.
var errNoDisplay = errors.New(line.Translate(line.LangEN, "kiosk.no_display", nil))

// runGUI opens the kiosk's window on the line service and runs until the
// window closes or ctx is done. With simulated devices and a line run,
// the simulators play the run at line pace times -speed.
func runGUI(ctx context.Context, cfg *Config, o options, log *slog.Logger) error {
	if os.Getenv("DISPLAY") == "" && os.Getenv("WAYLAND_DISPLAY") == "" {
		return errNoDisplay
	}
	first, err := openFirstStart(ctx, cfg, o, log)
	if err != nil {
		return err
	}

	lang := line.Lang(cfg.Language)
	a := app.NewWithID("cn.lambtrace.kiosk")
	a.Settings().SetTheme(ui.NewTheme())
	w := a.NewWindow(line.Translate(lang, "kiosk.window.title", map[string]string{"station": cfg.Station.ID}))
	w.Resize(fyne.NewSize(1024, 600))
	if first != nil {
		return first.run(ctx, a, w, func(lang line.Lang) (func() (func(), error), func(), error) {
			k, play, closeService, err := openService(ctx, cfg, o, log)
			if err != nil {
				return nil, nil, err
			}
			return func() (func(), error) { return showKiosk(ctx, a, w, k, play, lang, log) }, closeService, nil
		})
	}
	k, play, closeService, err := openService(ctx, cfg, o, log)
	if err != nil {
		return err
	}
	defer closeService()
	stop, err := showKiosk(ctx, a, w, k, play, lang, log)
	if err != nil {
		return err
	}
	defer stop()
	// The window shows first and only then goes full screen.
	ui.Present(w)
	a.Run()
	return nil
}

// showKiosk shows the kiosk's screens on the line service in w, and
// starts the uploads and the line run's play, if any. Call it before the
// app runs or on the fyne goroutine. It returns the function that stops
// what it started.
func showKiosk(ctx context.Context, a fyne.App, w fyne.Window, k *kiosk, play func(context.Context) error,
	lang line.Lang, log *slog.Logger) (func(), error) {
	status := uiStatus{k: k, links: k.links, platform: k.platformURL}
	kui, err := ui.New(w, ui.Config{Station: k.station, Users: uiUsers{db: k.db}, Status: status, Clock: k.clock,
		Lang: lang, Logger: log, Lockouts: uiLockouts{db: k.db}})
	if err != nil {
		return nil, err
	}
	roles := k.roles()
	err = kui.Register(
		ui.NewEntryScreen(kui, roles.Hook),
		ui.NewCuttingScreen(kui, ui.CuttingScales{Carcass: roles.Carcass, Pack: roles.Pack}),
		ui.NewQualityScreen(kui, uiRecords{k: k}),
		ui.NewSignOffScreen(kui, uiSignOff{k: k}),
		ui.NewOutboxScreen(kui, uiUploads{k: k, worker: k.uploader}),
		ui.NewDevicesScreen(kui, uiDevices{k: k, status: status}),
		ui.NewSettingsScreen(kui, uiSettings{k: k}),
	)
	if err != nil {
		return nil, err
	}
	kui.Start()

	go func() {
		<-ctx.Done()
		fyne.Do(a.Quit)
	}()
	uploadCtx, stopUploads := context.WithCancel(ctx)
	go k.runUploads(uploadCtx)
	if play != nil {
		go func() {
			err := play(ctx)
			switch {
			case err != nil && ctx.Err() == nil:
				log.Error("simulated day stopped", "err", err)
				fyne.Do(func() { kui.ShowError(err) })
			case err == nil:
				log.Info("simulated day done")
				logMemory(log, "memory after the simulated day")
				fyne.Do(func() { kui.ShowNotice(ui.Message{Key: "kiosk.window.day_done"}) })
			}
		}()
	}
	return func() {
		stopUploads()
		kui.Close()
	}, nil
}

// openService opens the line service the window shows: on simulated
// devices, playing the line run when one is given, or on the configured
// devices. It returns the kiosk, the function that plays the line run
// (nil without one) and the function that closes everything.
func openService(ctx context.Context, cfg *Config, o options, log *slog.Logger) (*kiosk, func(context.Context) error, func(), error) {
	if cfg.Simulated {
		in := simInput{products: o.products, registry: o.registry, speed: o.speed}
		if o.linerun != "" {
			day, err := loadDay(o.products, o.registry, o.linerun)
			if err != nil {
				return nil, nil, nil, err
			}
			out := o.out
			if out == "" {
				out = cfg.DataDir
			}
			// NOTE: the simulated line plays the cutting table and the
			// day check's quality policy releases review holds, so the
			// screens mostly follow the day.
			in.run, in.labelsDir, in.policy = day.Run, filepath.Join(out, "labels"), demoActors.Policy()
		}
		s, err := openSimStation(ctx, cfg, in, log)
		if err != nil {
			return nil, nil, nil, err
		}
		var play func(context.Context) error
		if s.line != nil {
			play = s.play
		}
		return s.k, play, s.Close, nil
	}

	db, err := store.Open(ctx, cfg.DataDir, store.Options{Station: cfg.Station.ID, Logger: log})
	if err != nil {
		return nil, nil, nil, err
	}
	if err := importFiles(ctx, db, o.products, o.registry, log); err != nil {
		db.Close()
		return nil, nil, nil, err
	}
	if err := applySavedSettings(ctx, db, cfg, log); err != nil {
		db.Close()
		return nil, nil, nil, err
	}
	k, err := openKiosk(ctx, cfg, db, kioskOptions{}, log)
	if err != nil {
		return nil, nil, nil, err
	}
	if cfg.Platform.URL != "" {
		if k.uploader, err = newUploader(cfg, db, cfg.Platform.URL, log); err != nil {
			k.Close()
			return nil, nil, nil, err
		}
		k.platformURL = cfg.Platform.URL
	}
	runCtx, stop := context.WithCancel(context.Background())
	stopped := make(chan struct{})
	go func() {
		defer close(stopped)
		k.run(runCtx, nil, nil)
	}()
	return k, nil, func() {
		stop()
		<-stopped
		k.Close()
	}, nil
}
