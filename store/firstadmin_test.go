package store_test

import (
	"context"
	"errors"
	"testing"

	"lambtrace/store"
)

func TestDB_CreateFirstAdmin(t *testing.T) {
	ctx := context.Background()

	t.Run("OK", func(t *testing.T) {
		// Ensure the first admin is stored with a PIN that signs in.
		db, _ := mustOpen(t, store.Options{})
		if has, err := db.HasAdmin(ctx); err != nil || has {
			t.Fatalf("HasAdmin on an empty database = %v, %v, want false", has, err)
		}
		if err := db.CreateFirstAdmin(ctx, store.System, store.User{ID: "admin", Name: " 管理员 "}, "4321"); err != nil {
			t.Fatal(err)
		}
		if has, err := db.HasAdmin(ctx); err != nil || !has {
			t.Errorf("HasAdmin after CreateFirstAdmin = %v, %v, want true", has, err)
		}
		u, err := db.CheckPIN(ctx, "admin", "4321")
		if err != nil {
			t.Fatal(err)
		}
		if want := (store.User{ID: "admin", Name: "管理员", Role: store.RoleAdmin, Active: true}); u != want {
			t.Errorf("CheckPIN = %+v, want %+v", u, want)
		}
		mustVerify(t, db)
	})

	t.Run("ErrAdminExists", func(t *testing.T) {
		// Ensure a second first admin is rejected once one can sign in.
		db, _ := mustOpen(t, store.Options{})
		if err := db.CreateFirstAdmin(ctx, store.System, store.User{ID: "admin", Name: "A"}, "4321"); err != nil {
			t.Fatal(err)
		}
		err := db.CreateFirstAdmin(ctx, store.System, store.User{ID: "boss", Name: "B"}, "5555")
		if !errors.Is(err, store.ErrAdminExists) {
			t.Errorf("second CreateFirstAdmin = %v, want ErrAdminExists", err)
		}
		if _, err := db.User(ctx, "boss"); !errors.Is(err, store.ErrNotFound) {
			t.Errorf("User(boss) = %v, want ErrNotFound", err)
		}
	})

	t.Run("AdminWithoutPIN", func(t *testing.T) {
		// Ensure an admin created without a PIN gets one and does not count
		// before.
		db, _ := mustOpen(t, store.Options{})
		mustCreateStaff(t, db)
		if has, err := db.HasAdmin(ctx); err != nil || has {
			t.Fatalf("HasAdmin with an admin without a PIN = %v, %v, want false", has, err)
		}
		if err := db.CreateFirstAdmin(ctx, store.System, store.User{ID: "admin1", Name: "Bayar"}, "4321"); err != nil {
			t.Fatal(err)
		}
		if _, err := db.CheckPIN(ctx, "admin1", "4321"); err != nil {
			t.Errorf("CheckPIN(admin1) = %v", err)
		}
	})

	t.Run("ErrIDOfOtherRole", func(t *testing.T) {
		// Ensure the id of a user with another role is not turned into an
		// admin.
		db, _ := mustOpen(t, store.Options{})
		mustCreateStaff(t, db)
		if err := db.CreateFirstAdmin(ctx, store.System, store.User{ID: "op7", Name: "X"}, "4321"); err == nil {
			t.Error("CreateFirstAdmin(op7) succeeded, want an error for an operator's id")
		}
		if u, err := db.User(ctx, "op7"); err != nil || u.Role != store.RoleOperator {
			t.Errorf("User(op7) = %+v, %v, want the operator unchanged", u, err)
		}
	})

	t.Run("ErrInvalidPIN", func(t *testing.T) {
		// Ensure a short PIN stores nothing.
		db, _ := mustOpen(t, store.Options{})
		err := db.CreateFirstAdmin(ctx, store.System, store.User{ID: "admin", Name: "A"}, "12")
		if !errors.Is(err, store.ErrInvalidPIN) {
			t.Errorf("CreateFirstAdmin with PIN 12 = %v, want ErrInvalidPIN", err)
		}
		if _, err := db.User(ctx, "admin"); !errors.Is(err, store.ErrNotFound) {
			t.Errorf("User(admin) = %v, want ErrNotFound", err)
		}
	})
}
