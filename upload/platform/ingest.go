package platform

import (
	"context"
	"crypto/sha256"
	"database/sql"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"mime"
	"net/http"
	"strconv"
	"time"

	"lambtrace/line"
	"lambtrace/upload"
	"lambtrace/upload/sign"
)

// handleBatch takes one signed batch document: POST /api/v1/batches.
func (s *Server) handleBatch(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	batchHeader := r.Header.Get(upload.HeaderBatchID)
	noteRequest(ctx, "batch", batchHeader)

	// Refuse a body over the limit before reading it, by its length
	// when the client states one and by counting otherwise.
	limit := s.cfg.MaxBodySize
	tooLarge := reject(http.StatusRequestEntityTooLarge, problemRequest,
		newReason(ReasonTooLarge, "", map[string]string{"limit": strconv.FormatInt(limit, 10)}))
	if r.ContentLength > limit {
		writeRejection(w, r, batchHeader, tooLarge)
		return
	}
	if media, _, err := mime.ParseMediaType(r.Header.Get("Content-Type")); err != nil ||
		(media != upload.ContentTypeJWS && media != "application/json") {
		writeRejection(w, r, batchHeader, reject(http.StatusUnsupportedMediaType, problemRequest,
			newReason(ReasonContentType, "", map[string]string{"type": r.Header.Get("Content-Type")})))
		return
	}
	body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, limit))
	var maxBytes *http.MaxBytesError
	switch {
	case errors.As(err, &maxBytes):
		writeRejection(w, r, batchHeader, tooLarge)
		return
	case err != nil:
		writeRejection(w, r, batchHeader, reject(http.StatusBadRequest, problemRequest,
			newReason(ReasonBodyUnread, "", map[string]string{"error": err.Error()})))
		return
	}

	sum := sha256.Sum256(body)
	digest := hex.EncodeToString(sum[:])
	noteRequest(ctx, "sha256", digest, "body_bytes", len(body))
	if header := r.Header.Get(upload.HeaderContentDigest); header != "" {
		stated, err := upload.ParseContentDigest(header)
		if err != nil || stated != digest {
			writeRejection(w, r, batchHeader, reject(http.StatusBadRequest, problemRequest,
				newReason(ReasonDigest, "", map[string]string{"stated": header, "digest": upload.ContentDigest(body)})))
			return
		}
	}

	// An identical repeat gets the receipt it got the first time.
	receipt, err := s.db.receiptByDigest(ctx, digest)
	if err != nil {
		s.fail(w, r, "look up the document digest", err)
		return
	}
	if receipt != nil {
		noteRequest(ctx, "outcome", "repeat")
		writeReceipt(w, http.StatusOK, receipt)
		return
	}

	in := Inspect(body, InspectOptions{Keys: s.cfg.Keys, Schema: s.cfg.Schema, Rules: s.cfg.Rules, Domain: s.cfg.Domain})
	batchID := batchHeader
	if in.Document != nil {
		batchID = in.Document.Batch.ID
		noteRequest(ctx, "document_batch", batchID, "plant", in.Document.Plant.ApprovalNumber)
	}
	if !in.OK() {
		writeRejection(w, r, batchID, in.rejected)
		return
	}
	if batchHeader != "" && batchHeader != batchID {
		writeRejection(w, r, batchID, reject(http.StatusBadRequest, problemRequest,
			newReason(ReasonBatchHeader, batchHeader, map[string]string{"batch": batchID})))
		return
	}

	status, receipt, rej, err := s.store(ctx, body, digest, in)
	switch {
	case err != nil:
		s.fail(w, r, "store the batch", err)
	case rej != nil:
		writeRejection(w, r, batchID, rej)
	default:
		noteRequest(ctx, "outcome", map[int]string{http.StatusCreated: "stored", http.StatusOK: "repeat"}[status])
		writeReceipt(w, status, receipt)
	}
}

// store compares an inspected document with the batches received before
// and stores it, in one transaction. It returns 201 and the new receipt,
// or 200 and the stored receipt for a repeat that raced the first
// upload. It rejects a batch that arrived before with other content with
// 409, and one with a pack serial, Digital Link or ear tag that arrived
// before with 422.
func (s *Server) store(ctx context.Context, body []byte, digest string, in *Inspection) (int, []byte, *rejection, error) {
	doc := in.Document
	plant, batchID := doc.Plant.ApprovalNumber, doc.Batch.ID
	tx, err := s.db.writer.BeginTx(ctx, nil)
	if err != nil {
		return 0, nil, nil, err
	}
	defer tx.Rollback()

	var storedDigest string
	var storedReceipt []byte
	err = tx.QueryRowContext(ctx, "SELECT sha256, receipt FROM batches WHERE plant = ? AND batch_id = ?", plant, batchID).
		Scan(&storedDigest, &storedReceipt)
	switch {
	case err == nil && storedDigest == digest:
		return http.StatusOK, storedReceipt, nil, nil
	case err == nil:
		return 0, nil, reject(http.StatusConflict, problemConflict, newReason(ReasonConflict, batchID, map[string]string{
			"plant": plant, "stored": storedDigest, "digest": digest,
		})), nil
	case !errors.Is(err, sql.ErrNoRows):
		return 0, nil, nil, err
	}

	reasons, err := earlierArrivals(ctx, tx, in.Document)
	if err != nil {
		return 0, nil, nil, err
	}
	if len(reasons) > 0 {
		return 0, nil, reject(http.StatusUnprocessableEntity, problemDocument, reasons...), nil
	}

	var id int64
	if err := tx.QueryRowContext(ctx, "SELECT coalesce(max(id), 0) + 1 FROM batches").Scan(&id); err != nil {
		return 0, nil, nil, err
	}
	receivedAt := s.cfg.Now()
	receipt, err := s.signReceipt(id, digest, receivedAt, in)
	if err != nil {
		return 0, nil, nil, fmt.Errorf("sign the receipt: %w", err)
	}
	_, err = tx.ExecContext(ctx, "INSERT INTO batches (id, plant, batch_id, sha256, body, received_at, receipt) VALUES (?, ?, ?, ?, ?, ?, ?)",
		id, plant, batchID, digest, body, receivedAt.Format(time.RFC3339Nano), receipt)
	if err != nil {
		return 0, nil, nil, err
	}
	if err := insertPacks(ctx, tx, id, in, receivedAt); err != nil {
		return 0, nil, nil, err
	}
	if err := insertEarTags(ctx, tx, id, in.Document); err != nil {
		return 0, nil, nil, err
	}
	if err := tx.Commit(); err != nil {
		return 0, nil, nil, err
	}
	return http.StatusCreated, receipt, nil, nil
}

// earlierArrivals lists the document's pack serials, Digital Links and
// ear tags that arrived in an earlier batch. Each kind is one query over
// a JSON array of the document's values, because a batch has thousands
// of packs. CROSS JOIN makes SQLite loop over the array and search the
// index of the stored rows. Without it the planner may loop over the
// stored rows and scan the array for each, which took seconds once a few
// batches were stored.
func earlierArrivals(ctx context.Context, tx *sql.Tx, doc *upload.Document) ([]upload.Reason, error) {
	serials := make([]string, 0, len(doc.Packs))
	links := make([][2]string, 0, len(doc.Packs))
	for _, p := range doc.Packs {
		serials = append(serials, p.Serial)
		links = append(links, [2]string{p.GTIN, p.Serial})
	}
	carcasses := arrivedCarcasses(doc)
	carcassOf := make(map[string]string, len(carcasses))
	tags := make([]string, 0, len(carcasses))
	for _, c := range carcasses {
		carcassOf[c.EarTag] = c.Number
		tags = append(tags, c.EarTag)
	}

	var reasons []upload.Reason
	reported := make(map[string]bool)
	err := queryJSON(ctx, tx, `SELECT p.serial, b.batch_id FROM json_each(?) j
		CROSS JOIN packs p ON p.plant = ? AND p.serial = j.value JOIN batches b ON b.id = p.batch ORDER BY j.key`,
		serials, []any{doc.Plant.ApprovalNumber}, func(row []string) {
			reported[row[0]] = true
			reasons = append(reasons, newReason(ReasonSerial, row[0], map[string]string{"batch": row[1]}))
		})
	if err != nil {
		return nil, err
	}
	err = queryJSON(ctx, tx, `SELECT p.serial, p.gtin, b.plant FROM json_each(?) j
		CROSS JOIN packs p ON p.gtin = json_extract(j.value, '$[0]') AND p.batch_id = ? AND p.serial = json_extract(j.value, '$[1]')
		JOIN batches b ON b.id = p.batch ORDER BY j.key`,
		links, []any{doc.Batch.ID}, func(row []string) {
			if !reported[row[0]] {
				reasons = append(reasons, newReason(ReasonLink, row[0], map[string]string{"gtin": row[1], "batch": doc.Batch.ID, "plant": row[2]}))
			}
		})
	if err != nil {
		return nil, err
	}
	err = queryJSON(ctx, tx, `SELECT e.ear_tag, b.plant, b.batch_id, e.carcass FROM json_each(?) j
		CROSS JOIN ear_tags e ON e.ear_tag = j.value JOIN batches b ON b.id = e.batch ORDER BY j.key`,
		tags, nil, func(row []string) {
			reasons = append(reasons, newReason(ReasonEarTag, row[0], map[string]string{
				"carcass": carcassOf[row[0]], "plant": row[1], "batch": row[2], "earlier_carcass": row[3],
			}))
		})
	if err != nil {
		return nil, err
	}
	return reasons, nil
}

// queryJSON runs query with values as a JSON array for its first
// parameter, then args, and calls row with each result row's columns as
// text.
func queryJSON(ctx context.Context, tx *sql.Tx, query string, values any, args []any, row func([]string)) error {
	list, err := json.Marshal(values)
	if err != nil {
		return err
	}
	rows, err := tx.QueryContext(ctx, query, append([]any{string(list)}, args...)...)
	if err != nil {
		return err
	}
	defer rows.Close()
	cols, err := rows.Columns()
	if err != nil {
		return err
	}
	for rows.Next() {
		out := make([]string, len(cols))
		dest := make([]any, len(cols))
		for i := range out {
			dest[i] = &out[i]
		}
		if err := rows.Scan(dest...); err != nil {
			return err
		}
		row(out)
	}
	return rows.Err()
}

// arrivedCarcasses returns the carcasses whose ear tags the batch
// claims, those of doc.EarTags: the first carcass of each ear tag that
// was not blocked.
func arrivedCarcasses(doc *upload.Document) []upload.Carcass {
	var out []upload.Carcass
	seen := make(map[string]bool)
	for _, c := range doc.Carcasses {
		if c.EarTag == "" || c.State == string(line.CarcassBlocked) || seen[c.EarTag] {
			continue
		}
		seen[c.EarTag] = true
		out = append(out, c)
	}
	return out
}

// insertPacks stores the view of every pack and of every carcass's
// animal that the packs name.
func insertPacks(ctx context.Context, tx *sql.Tx, batch int64, in *Inspection, receivedAt time.Time) error {
	doc := in.Document
	animals := animalViews(doc)
	stmt, err := tx.PrepareContext(ctx, "INSERT INTO carcass_views (batch, carcass, view) VALUES (?, ?, ?)")
	if err != nil {
		return err
	}
	defer stmt.Close()
	for _, c := range doc.Carcasses {
		a, ok := animals[c.Number]
		if !ok {
			continue
		}
		view, err := json.Marshal(a)
		if err != nil {
			return err
		}
		if _, err := stmt.ExecContext(ctx, batch, c.Number, view); err != nil {
			return fmt.Errorf("store the animal of carcass %s: %w", c.Number, err)
		}
	}

	stmt, err = tx.PrepareContext(ctx, "INSERT INTO packs (plant, serial, gtin, batch_id, batch, view) VALUES (?, ?, ?, ?, ?, ?)")
	if err != nil {
		return err
	}
	defer stmt.Close()
	for _, v := range packViews(doc, in.Report, receivedAt, animals) {
		view, err := json.Marshal(v)
		if err != nil {
			return err
		}
		if _, err := stmt.ExecContext(ctx, doc.Plant.ApprovalNumber, v.Serial, v.GTIN, doc.Batch.ID, batch, view); err != nil {
			return fmt.Errorf("store pack %s: %w", v.Serial, err)
		}
	}
	return nil
}

func insertEarTags(ctx context.Context, tx *sql.Tx, batch int64, doc *upload.Document) error {
	stmt, err := tx.PrepareContext(ctx, "INSERT INTO ear_tags (ear_tag, batch, carcass) VALUES (?, ?, ?)")
	if err != nil {
		return err
	}
	defer stmt.Close()
	for _, c := range arrivedCarcasses(doc) {
		if _, err := stmt.ExecContext(ctx, c.EarTag, batch, c.Number); err != nil {
			return fmt.Errorf("store ear tag %s: %w", c.EarTag, err)
		}
	}
	return nil
}

// signReceipt makes the receipt of a stored batch.
func (s *Server) signReceipt(id int64, digest string, receivedAt time.Time, in *Inspection) ([]byte, error) {
	r := upload.Receipt{
		Format: upload.ReceiptFormat, ID: id,
		Plant: in.Document.Plant.ApprovalNumber, BatchID: in.Document.Batch.ID,
		DocumentSHA256: digest, ReceivedAt: receivedAt,
		Checks: append(append([]string(nil), in.Checks...), CheckUniqueness),
	}
	for _, res := range in.Report.Results {
		r.Signatures = append(r.Signatures, upload.ReceiptSignature{KID: res.Header.KID, Role: res.Header.Role, SignedAt: res.Header.SignedAt})
	}
	payload, err := json.Marshal(r)
	if err != nil {
		return nil, err
	}
	return sign.Sign(payload, receivedAt, sign.Signer{Key: s.cfg.ReceiptKey})
}

// writeReceipt sends a receipt.
func writeReceipt(w http.ResponseWriter, status int, receipt []byte) {
	w.Header().Set("Content-Type", upload.ContentTypeJWS)
	w.WriteHeader(status)
	w.Write(receipt)
}

// fail notes an internal error for the request's log line and responds
// with 500. The station retries a 500, so the batch is not lost.
func (s *Server) fail(w http.ResponseWriter, r *http.Request, what string, err error) {
	noteRequest(r.Context(), "err", fmt.Sprintf("%s: %v", what, err))
	http.Error(w, "internal error: "+what, http.StatusInternalServerError)
}
