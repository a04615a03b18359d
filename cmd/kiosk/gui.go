package main

import (
	"context"
	"errors"
	"log/slog"
)

// runGUI runs the kiosk's window.
func runGUI(ctx context.Context, cfg *Config, o options, log *slog.Logger) error {
	return errors.New("the window is not built yet")
}
