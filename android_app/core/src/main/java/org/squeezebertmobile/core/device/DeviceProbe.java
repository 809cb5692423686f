package org.squeezebertmobile.core.device;

/**
 * What the benchmark reads from the device between timed samples (never inside one): the core
 * the worker thread last ran on, that core's clock, and the process's memory.
 */
public interface DeviceProbe {
  /** The CPU the calling thread last ran on; -1 when unknown. */
  int currentCpu();

  /** The current clock of {@code cpu} in kHz; -1 when unknown. */
  long currentFreqKhz(int cpu);

  /** The maximum clock of {@code cpu}'s cluster in kHz; -1 when unknown. */
  long maxFreqKhz(int cpu);

  /** The process's proportional set size in kB (Android: {@code Debug.getPss()}); -1 unknown. */
  long pssKb();

  /** The process's peak resident set size so far in kB ({@code VmHWM}); -1 when unknown. */
  long peakRssKb();

  /** A probe that knows nothing: every reading is -1. */
  DeviceProbe NONE =
      new DeviceProbe() {
        @Override
        public int currentCpu() {
          return -1;
        }

        @Override
        public long currentFreqKhz(int cpu) {
          return -1;
        }

        @Override
        public long maxFreqKhz(int cpu) {
          return -1;
        }

        @Override
        public long pssKb() {
          return -1;
        }

        @Override
        public long peakRssKb() {
          return -1;
        }
      };
}
