package labels

import "image"

// DecodeGraphic decodes the data of a ^GFA field for tests.
var DecodeGraphic = decodeGraphic

// QRSymbolRect returns the QR symbol's rectangle without its quiet zone,
// and its module size in dots.
func QRSymbolRect(l *Label) (image.Rectangle, int) {
	if l.qr == nil {
		return image.Rectangle{}, 0
	}
	return image.Rect(l.qr.x, l.qr.y, l.qr.x+l.qr.side(), l.qr.y+l.qr.side()), l.qr.module
}

// BarcodeRects returns the bars' rectangle of each barcode.
func BarcodeRects(l *Label) []image.Rectangle {
	var rects []image.Rectangle
	for _, c := range l.codes {
		rects = append(rects, image.Rect(c.x, c.y, c.x+len(c.symbol.modules())*c.module, c.y+c.height))
	}
	return rects
}
