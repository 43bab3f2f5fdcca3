package testkit

import (
	"image"
	"image/color"
	"image/png"
	"os"
	"path/filepath"
	"testing"
)

func TestBlank(t *testing.T) {
	dir := t.TempDir()
	write := func(name string, img image.Image) string {
		p := filepath.Join(dir, name)
		f, _ := os.Create(p)
		defer f.Close()
		if err := png.Encode(f, img); err != nil {
			t.Fatal(err)
		}
		return p
	}
	black := image.NewRGBA(image.Rect(0, 0, 40, 30))
	drawn := image.NewRGBA(image.Rect(0, 0, 40, 30))
	drawn.Set(39, 29, color.White)
	for name, c := range map[string]struct {
		img  image.Image
		want bool
	}{"black": {black, true}, "one pixel drawn": {drawn, false}} {
		got, err := Blank(write(name+".png", c.img))
		if err != nil || got != c.want {
			t.Errorf("%s: %v %v", name, got, err)
		}
	}
}
