package engineio

import "time"

// SetProbeSettle sets how long a poll during an answered probe waits for the
// upgrade: tests of the upgrade race make it long, so that only the "5"
// (never a slow scheduler) decides their answer.
func SetProbeSettle(s *Server, d time.Duration) { s.probeSettle = d }

// PollWaiting reports whether a polling GET of s is waiting for packets.
func PollWaiting(s *Session) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.getActive
}
