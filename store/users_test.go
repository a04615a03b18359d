package store_test

import (
	"context"
	"errors"
	"testing"

	"lambtrace/store"
)

// staff are the users most tests start with: one of each role, and a
// deactivated quality user.
var staff = []store.User{
	{ID: "admin1", Name: "Bayar", Role: store.RoleAdmin, Active: true},
	{ID: "qa1", Name: "王芳", Role: store.RoleQuality, Active: true},
	{ID: "qa2", Name: "Li Wei", Role: store.RoleQuality, Active: false},
	{ID: "op7", Name: "Sarangerel", Role: store.RoleOperator, Active: true},
	{ID: "vet1", Name: "张兽医", Role: store.RoleVet, Active: true},
}

// mustCreateStaff creates the staff users without PINs.
func mustCreateStaff(tb testing.TB, db *store.DB) {
	tb.Helper()
	err := db.Update(context.Background(), store.System, func(tx *store.Tx) error {
		for _, u := range staff {
			if err := tx.CreateUser(u); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		tb.Fatal(err)
	}
}

// mustVerify fails the test unless the journal and every row verify.
func mustVerify(tb testing.TB, db *store.DB) {
	tb.Helper()
	if _, err := db.Verify(context.Background()); err != nil {
		tb.Fatalf("Verify: %v", err)
	}
}

func TestUsersLookup(t *testing.T) {
	ctx := context.Background()
	db, _ := mustOpen(t, store.Options{})
	mustCreateStaff(t, db)

	users, err := db.Users(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if len(users) != len(staff) || users[0].ID != "admin1" || users[len(users)-1].ID != "vet1" {
		t.Errorf("Users() = %+v, want the staff ordered by id", users)
	}
	u, err := db.User(ctx, "qa1")
	if err != nil || u != staff[1] {
		t.Errorf("User(qa1) = %+v, %v, want %+v", u, err, staff[1])
	}
	if _, err := db.User(ctx, "nobody"); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("User(nobody) error = %v, want ErrNotFound", err)
	}
	mustVerify(t, db)
}

func TestCreateUserInvalid(t *testing.T) {
	tests := []struct {
		name string
		user store.User
	}{
		{"TakenID", store.User{ID: "qa1", Name: "Again", Role: store.RoleQuality, Active: true}},
		{"EmptyID", store.User{ID: "", Name: "X", Role: store.RoleOperator}},
		{"UpperCaseID", store.User{ID: "QA9", Name: "X", Role: store.RoleOperator}},
		{"SpaceInID", store.User{ID: "qa 9", Name: "X", Role: store.RoleOperator}},
		{"LongID", store.User{ID: "a234567890123456789012345678901234", Name: "X", Role: store.RoleOperator}},
		{"SystemID", store.User{ID: "system", Name: "X", Role: store.RoleAdmin}},
		{"BlankName", store.User{ID: "op9", Name: "  ", Role: store.RoleOperator}},
		{"UnknownRole", store.User{ID: "op9", Name: "X", Role: "butcher"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ctx := context.Background()
			db, _ := mustOpen(t, store.Options{})
			mustCreateStaff(t, db)
			seq, _, _ := db.Head(ctx)
			err := db.Update(ctx, "admin1", func(tx *store.Tx) error { return tx.CreateUser(tt.user) })
			if err == nil {
				t.Fatalf("CreateUser(%+v) succeeded", tt.user)
			}
			if after, _, _ := db.Head(ctx); after != seq {
				t.Errorf("journal head moved from %d to %d after a rejected user", seq, after)
			}
			mustVerify(t, db)
		})
	}
}

func TestUpdateUser(t *testing.T) {
	ctx := context.Background()
	db, _ := mustOpen(t, store.Options{})
	mustCreateStaff(t, db)
	if err := db.SetPIN(ctx, "admin1", "op7", "2468"); err != nil {
		t.Fatal(err)
	}

	renamed := store.User{ID: "op7", Name: "Sarangerel B.", Role: store.RoleQuality, Active: true}
	if err := db.Update(ctx, "admin1", func(tx *store.Tx) error { return tx.UpdateUser(renamed) }); err != nil {
		t.Fatal(err)
	}
	if u, _ := db.User(ctx, "op7"); u != renamed {
		t.Errorf("User(op7) after update = %+v, want %+v", u, renamed)
	}
	if _, err := db.CheckPIN(ctx, "op7", "2468"); err != nil {
		t.Errorf("CheckPIN after UpdateUser = %v, want the PIN kept", err)
	}

	unknown := store.User{ID: "op9", Name: "X", Role: store.RoleOperator, Active: true}
	err := db.Update(ctx, "admin1", func(tx *store.Tx) error { return tx.UpdateUser(unknown) })
	if !errors.Is(err, store.ErrNotFound) {
		t.Errorf("UpdateUser(op9) = %v, want ErrNotFound", err)
	}
	mustVerify(t, db)
}

func TestUpdateLastAdmin(t *testing.T) {
	ctx := context.Background()
	db, _ := mustOpen(t, store.Options{})
	mustCreateStaff(t, db)
	demote := func(u store.User) error {
		return db.Update(ctx, "admin1", func(tx *store.Tx) error { return tx.UpdateUser(u) })
	}

	admin := staff[0]
	admin.Active = false
	if err := demote(admin); !errors.Is(err, store.ErrLastAdmin) {
		t.Errorf("deactivating the only admin = %v, want ErrLastAdmin", err)
	}
	admin.Active, admin.Role = true, store.RoleQuality
	if err := demote(admin); !errors.Is(err, store.ErrLastAdmin) {
		t.Errorf("demoting the only admin = %v, want ErrLastAdmin", err)
	}

	// With a second active admin, the first may step down.
	second := store.User{ID: "admin2", Name: "Odon", Role: store.RoleAdmin, Active: true}
	if err := db.Update(ctx, "admin1", func(tx *store.Tx) error { return tx.CreateUser(second) }); err != nil {
		t.Fatal(err)
	}
	if err := demote(admin); err != nil {
		t.Errorf("demoting one of two admins = %v", err)
	}
	mustVerify(t, db)
}

func TestCheckPIN(t *testing.T) {
	ctx := context.Background()
	db, _ := mustOpen(t, store.Options{})
	mustCreateStaff(t, db)
	for id, pin := range map[string]string{"qa1": "13579", "qa2": "8642"} {
		if err := db.SetPIN(ctx, "admin1", id, pin); err != nil {
			t.Fatal(err)
		}
	}

	u, err := db.CheckPIN(ctx, "qa1", "13579")
	if err != nil || u.ID != "qa1" || u.Role != store.RoleQuality {
		t.Errorf("CheckPIN(qa1, right PIN) = %+v, %v", u, err)
	}
	tests := []struct {
		name string
		id   string
		pin  string
		want error
	}{
		{"WrongPIN", "qa1", "13578", store.ErrWrongPIN},
		{"PINPrefix", "qa1", "1357", store.ErrWrongPIN},
		{"NotDigits", "qa1", "1357a", store.ErrWrongPIN},
		{"EmptyPIN", "qa1", "", store.ErrWrongPIN},
		{"InactiveRightPIN", "qa2", "8642", store.ErrUserInactive},
		{"InactiveWrongPIN", "qa2", "8641", store.ErrWrongPIN},
		{"NoPIN", "op7", "1234", store.ErrNoPIN},
		{"UnknownUser", "op9", "1234", store.ErrNotFound},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			u, err := db.CheckPIN(ctx, tt.id, tt.pin)
			if !errors.Is(err, tt.want) {
				t.Errorf("CheckPIN(%s) = %+v, %v, want %v", tt.id, u, err, tt.want)
			}
			if u != (store.User{}) {
				t.Errorf("CheckPIN(%s) returned user %+v with an error", tt.id, u)
			}
		})
	}

	// A new PIN replaces the old one.
	if err := db.SetPIN(ctx, "admin1", "qa1", "24680"); err != nil {
		t.Fatal(err)
	}
	if _, err := db.CheckPIN(ctx, "qa1", "13579"); !errors.Is(err, store.ErrWrongPIN) {
		t.Errorf("CheckPIN with the old PIN = %v, want ErrWrongPIN", err)
	}
	if _, err := db.CheckPIN(ctx, "qa1", "24680"); err != nil {
		t.Errorf("CheckPIN with the new PIN = %v", err)
	}
	mustVerify(t, db)
}

func TestSetPINInvalid(t *testing.T) {
	ctx := context.Background()
	db, _ := mustOpen(t, store.Options{})
	mustCreateStaff(t, db)
	for _, pin := range []string{"", "123", "123456789", "12a4", "12 34", "１２３４", "-123"} {
		if err := db.SetPIN(ctx, "admin1", "op7", pin); !errors.Is(err, store.ErrInvalidPIN) {
			t.Errorf("SetPIN(%q) = %v, want ErrInvalidPIN", pin, err)
		}
	}
	if err := db.SetPIN(ctx, "admin1", "op9", "1234"); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("SetPIN of an unknown user = %v, want ErrNotFound", err)
	}
	for _, pin := range []string{"0000", "12345678"} {
		if err := db.SetPIN(ctx, "admin1", "op7", pin); err != nil {
			t.Errorf("SetPIN(%q) = %v", pin, err)
		}
	}
	mustVerify(t, db)
}

// BenchmarkCheckPIN measures one PIN check, which is one Argon2id hash
// with the parameters of new PINs.
func BenchmarkCheckPIN(b *testing.B) {
	ctx := context.Background()
	db, _ := mustOpen(b, store.Options{})
	mustCreateStaff(b, db)
	if err := db.SetPIN(ctx, "admin1", "op7", "2468"); err != nil {
		b.Fatal(err)
	}
	for b.Loop() {
		if _, err := db.CheckPIN(ctx, "op7", "2468"); err != nil {
			b.Fatal(err)
		}
	}
}
