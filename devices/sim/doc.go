// Package sim holds device simulators that speak the devices' real
// protocols, so the real drivers run against them in tests and in the
// demo: an ear-tag reader writing its lines or frames to a pseudo-terminal
// pair made by socat, or to any io.Writer.
package sim
