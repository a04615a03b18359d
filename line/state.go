package line

import "fmt"

// CarcassState is the position of a carcass in its state machine.
type CarcassState string

// Carcass states. A carcass moves forward one stage at a time from
// entered to closed. A review decision holds it at any stage until it is
// released, and it then resumes from the stage it was held at; a block
// decision ends it in blocked, from any state but blocked.
const (
	CarcassEntered   CarcassState = "entered"
	CarcassWeighed   CarcassState = "weighed"
	CarcassInspected CarcassState = "inspected"
	CarcassChilled   CarcassState = "chilled"
	CarcassCutting   CarcassState = "cutting"
	CarcassClosed    CarcassState = "closed"
	CarcassHeld      CarcassState = "held"
	CarcassReleased  CarcassState = "released"
	CarcassBlocked   CarcassState = "blocked"
)

var carcassStages = []CarcassState{
	CarcassEntered, CarcassWeighed, CarcassInspected, CarcassChilled, CarcassCutting, CarcassClosed,
}

func stageIndex(s CarcassState) int {
	for i, st := range carcassStages {
		if st == s {
			return i
		}
	}
	return -1
}

// TransitionError reports a state change that the state machine does not
// allow.
type TransitionError struct {
	Entity string // carcass or batch
	ID     string
	From   string
	To     string
}

func (e *TransitionError) Error() string {
	return fmt.Sprintf("%s %s: cannot go from %s to %s", e.Entity, e.ID, e.From, e.To)
}

// CarcassFlow is the state of one carcass. The zero value is not usable;
// start with NewCarcassFlow.
type CarcassFlow struct {
	Number string
	state  CarcassState
	stage  CarcassState // the stage reached; held and released resume from it
}

// NewCarcassFlow starts a carcass in the entered state.
func NewCarcassFlow(number string) *CarcassFlow {
	return &CarcassFlow{Number: number, state: CarcassEntered, stage: CarcassEntered}
}

// RestoreCarcassFlow rebuilds a carcass's state machine from a stored
// state and stage, rejecting a pair the machine cannot reach: a line stage
// as state must equal the stage.
func RestoreCarcassFlow(number string, state, stage CarcassState) (*CarcassFlow, error) {
	bad := fmt.Errorf("carcass %s: stored state %q with stage %q is not a reachable state", number, state, stage)
	if stageIndex(stage) < 0 {
		return nil, bad
	}
	switch state {
	case CarcassHeld, CarcassReleased, CarcassBlocked:
	default:
		if state != stage {
			return nil, bad
		}
	}
	return &CarcassFlow{Number: number, state: state, stage: stage}, nil
}

// State returns the current state.
func (c *CarcassFlow) State() CarcassState { return c.state }

// Stage returns the last line stage the carcass reached, which differs
// from State while it is held, released or blocked.
func (c *CarcassFlow) Stage() CarcassState { return c.stage }

// Advance moves the carcass to state to, or returns a *TransitionError
// and leaves it unchanged.
func (c *CarcassFlow) Advance(to CarcassState) error {
	if !c.allowed(to) {
		return &TransitionError{Entity: "carcass", ID: c.Number, From: string(c.state), To: string(to)}
	}
	c.state = to
	if stageIndex(to) >= 0 {
		c.stage = to
	}
	return nil
}

func (c *CarcassFlow) allowed(to CarcassState) bool {
	switch c.state {
	case CarcassBlocked:
		return false
	case CarcassHeld:
		return to == CarcassReleased || to == CarcassBlocked
	}
	switch to {
	case CarcassBlocked, CarcassHeld:
		return true
	case CarcassReleased:
		return false
	}
	// A forward step of exactly one stage, from a stage or from released.
	next := stageIndex(c.stage) + 1
	return next < len(carcassStages) && carcassStages[next] == to
}

// BatchState is the position of a batch between opening and upload.
type BatchState string

// Batch states, in order. A batch only moves forward, one state at a time.
const (
	BatchOpen     BatchState = "open"
	BatchCutting  BatchState = "cutting"
	BatchReview   BatchState = "review"
	BatchSigned   BatchState = "signed"
	BatchSealed   BatchState = "sealed"
	BatchUploaded BatchState = "uploaded"
)

var batchStates = []BatchState{BatchOpen, BatchCutting, BatchReview, BatchSigned, BatchSealed, BatchUploaded}

// BatchFlow is the state of one batch. Start with NewBatchFlow.
type BatchFlow struct {
	ID    string
	state BatchState
}

// NewBatchFlow starts a batch in the open state.
func NewBatchFlow(id string) *BatchFlow { return &BatchFlow{ID: id, state: BatchOpen} }

// RestoreBatchFlow rebuilds a batch's state machine from a stored state.
func RestoreBatchFlow(id string, state BatchState) (*BatchFlow, error) {
	for _, s := range batchStates {
		if s == state {
			return &BatchFlow{ID: id, state: state}, nil
		}
	}
	return nil, fmt.Errorf("batch %s: unknown stored state %q", id, state)
}

// State returns the current state.
func (b *BatchFlow) State() BatchState { return b.state }

// Advance moves the batch to the next state, which must be to, or returns
// a *TransitionError and leaves it unchanged.
func (b *BatchFlow) Advance(to BatchState) error {
	for i, s := range batchStates {
		if s == b.state && i+1 < len(batchStates) && batchStates[i+1] == to {
			b.state = to
			return nil
		}
	}
	return &TransitionError{Entity: "batch", ID: b.ID, From: string(b.state), To: string(to)}
}
