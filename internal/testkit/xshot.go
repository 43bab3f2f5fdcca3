package testkit

import (
	"image"
	"image/png"
	"os"
	"os/exec"
	"testing"
	"time"
)

// XShot saves a screenshot of X window win ("root" for the screen) to
// path with ImageMagick's import, and fails the test if it stays blank: a
// window is mapped before its first frame is drawn, so it retries for a
// few seconds until the picture has more than one colour.
func XShot(t testing.TB, win, path string) { t.Helper(); XShotNudged(t, win, path, nil) }

// XShotNudged is XShot that, while the picture stays blank, calls nudge
// (if not nil) every second: a window that missed a repaint under a loaded
// software-GL X server gets one, as a user's mouse would give it. A window
// that draws nothing stays blank and still fails.
func XShotNudged(t testing.TB, win, path string, nudge func()) {
	t.Helper()
	start := time.Now()
	deadline := start.Add(10 * time.Second)
	nudged := start
	for {
		out, err := exec.Command("import", "-window", win, path).CombinedOutput()
		if err != nil {
			t.Errorf("screenshot %s: %v\n%s", path, err, out)
			return
		}
		blank, err := Blank(path)
		if err != nil {
			t.Errorf("screenshot %s: %v", path, err)
			return
		}
		if !blank {
			t.Logf("screenshot %s", path)
			return
		}
		if time.Now().After(deadline) {
			t.Errorf("screenshot %s is blank (one colour) after 10 s", path)
			return
		}
		if nudge != nil && time.Since(nudged) > time.Second {
			t.Logf("screenshot %s blank after %v: nudging the window", path, time.Since(start).Round(time.Millisecond))
			nudge()
			nudged = time.Now()
		}
		time.Sleep(200 * time.Millisecond)
	}
}

// Blank reports whether the PNG at path is a single colour.
func Blank(path string) (bool, error) {
	f, err := os.Open(path)
	if err != nil {
		return false, err
	}
	defer f.Close()
	img, err := png.Decode(f)
	if err != nil {
		return false, err
	}
	return singleColour(img), nil
}

func singleColour(img image.Image) bool {
	b := img.Bounds()
	if b.Empty() {
		return true
	}
	r0, g0, b0, a0 := img.At(b.Min.X, b.Min.Y).RGBA()
	for y := b.Min.Y; y < b.Max.Y; y++ {
		for x := b.Min.X; x < b.Max.X; x++ {
			if r, g, bl, a := img.At(x, y).RGBA(); r != r0 || g != g0 || bl != b0 || a != a0 {
				return false
			}
		}
	}
	return true
}
