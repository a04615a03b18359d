package sign

// SetKDFParams sets the Argon2id parameters of keys encrypted from now
// on and returns a function that restores the previous ones. Tests use
// small parameters so that each unlock takes milliseconds; one test
// keeps the defaults.
func SetKDFParams(memoryKiB, time uint32, threads uint8) (restore func()) {
	old := keyKDFParams
	keyKDFParams = kdfParams{memory: memoryKiB, time: time, threads: threads}
	return func() { keyKDFParams = old }
}
