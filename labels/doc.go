// Package labels lays out the station's labels and writes them as ZPL II
// for the label printer and as a PNG preview for the screen, from one
// layout.
//
// There are four templates, one struct of facts each: Pack (a cut pack
// from one carcass), MixedPack (a pack from a mixed lot of several
// carcasses), Carcass and Carton. Layout turns facts and a Config (label
// size in mm, printer dpi, plant identity, platform domain, font mode)
// into a Label, whose ZPL and Image methods give the printer job and the
// preview. Both are deterministic: the same facts and Config give the
// same bytes and pixels.
//
// # Text
//
// Text is Simplified Chinese first and English second, from the
// translation catalogs of package line. By default every text line is
// drawn in Go from the bundled Noto Sans SC subset (Fonts, made as
// fonts/README.md describes) into a 1-bit bitmap at the printer's dots
// per millimetre, and sent as a ^GFA graphic field. The preview draws the same
// bitmaps at the same positions, so the screen shows what the printer
// prints. With FontResident the text goes out as ^A fields in a font
// stored on the printer and mapped with ^CW; the preview then still uses
// the bundled font, so it only approximates the printed text.
//
// # ZPL
//
// Every label starts with ^XA^CI28 (UTF-8), because a printer keeps the
// encoding of the previous job. QR field data always starts with an
// error-correction and input-mode switch: MA, for ASCII data, MM,Bnnnn
// with the byte count otherwise. Field data that contains ^ or ~ is sent
// with ^FH and those characters (and the escape character _) as hex, and
// control characters are rejected. Zebra firmware, and the renderers
// that follow it such as zpl-renderer-js 3.4.0, draw a ^BQ symbol as many
// dots below its ^FO origin as the current ^BY bar height, which persists
// between jobs, so every QR field sets ^BY itself and its ^FO compensates.
//
// # QR codes and barcodes
//
// Pack and carton QR codes hold a GS1 Digital Link URI built by
// line.DigitalLink: ASCII only, at most 200 bytes, so version 10 or lower
// at error correction M. The layout reserves the byte-mode version with a
// quiet zone of four modules. The preview draws the symbol with
// github.com/skip2/go-qrcode at that version and a whole number of pixels
// per module. The carton label carries two GS1-128 symbols, with
// (01)(3103)(13) and (21)(10), encoded with explicit Code 128 subsets so
// the printer and the preview draw the same bars.
package labels
