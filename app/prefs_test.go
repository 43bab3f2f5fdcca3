package app

import (
	"os"
	"path/filepath"
	"reflect"
	"runtime"
	"strings"
	"testing"
)

func TestSettingsRoundTrip(t *testing.T) {
	dir := t.TempDir()
	s, err := LoadSettings(dir)
	if err != nil || !reflect.DeepEqual(s, DefaultSettings()) {
		t.Fatalf("no file: %+v, %v; want the defaults", s, err)
	}
	want := Settings{Network: NetworkPeerplays, Nodes: map[string][]string{NetworkPeerplays: {"wss://a.example"}},
		Listen: "127.0.0.1:7788", AutoLockMinutes: 0, Theme: ThemeDark}
	if err := SaveSettings(dir, want); err != nil {
		t.Fatal(err)
	}
	got, err := LoadSettings(dir)
	if err != nil || !reflect.DeepEqual(got, want) {
		t.Fatalf("loaded %+v, %v; want %+v", got, err, want)
	}
	if runtime.GOOS != "windows" {
		fi, err := os.Stat(filepath.Join(dir, SettingsFile))
		if err != nil || fi.Mode().Perm() != 0o600 {
			t.Fatalf("settings file mode %v, %v; want 0600", fi.Mode().Perm(), err)
		}
	}
	entries, _ := os.ReadDir(dir)
	if len(entries) != 1 {
		t.Errorf("temporary files left behind: %v", entries)
	}
	if n := got.NodesFor(NetworkHive); len(n) == 0 || !strings.HasPrefix(n[0], "https://") {
		t.Errorf("default Hive nodes %q", n)
	}
}

func TestSettingsRejectsBadValues(t *testing.T) {
	dir := t.TempDir()
	for _, s := range []Settings{
		{Network: "bitcoin"},
		{AutoLockMinutes: -1},
		{Theme: "pink"},
		{Listen: "0.0.0.0:7777"},
		{Listen: "127.0.0.1"},
	} {
		if err := SaveSettings(dir, s); err == nil {
			t.Errorf("saved %+v", s)
		}
	}
	if err := os.WriteFile(filepath.Join(dir, SettingsFile), []byte("{not json"), 0o600); err != nil {
		t.Fatal(err)
	}
	s, err := LoadSettings(dir)
	if err == nil || !reflect.DeepEqual(s, DefaultSettings()) {
		t.Fatalf("corrupt file: %+v, %v; want the defaults and an error", s, err)
	}
}
