/** A short tone per result (WebAudio, no sound files): high for PASS, low for FAIL. */
import type { UnitResult } from '../../../../preload/contract';

let audio: AudioContext | null = null;

const TONES: Record<UnitResult['result'], { hz: number; ms: number; type: OscillatorType; times: number }> = {
  PASS: { hz: 1320, ms: 160, type: 'sine', times: 1 },
  FAIL: { hz: 220, ms: 280, type: 'square', times: 2 },
  EXISTING: { hz: 660, ms: 200, type: 'sine', times: 1 },
};

export function beep(result: UnitResult['result']): void {
  try {
    audio ??= new AudioContext();
    if (audio.state === 'suspended') void audio.resume();
    const tone = TONES[result];
    for (let k = 0; k < tone.times; k++) {
      const start = audio.currentTime + k * ((tone.ms + 90) / 1000);
      const end = start + tone.ms / 1000;
      const osc = audio.createOscillator();
      const gain = audio.createGain();
      osc.type = tone.type;
      osc.frequency.value = tone.hz;
      gain.gain.setValueAtTime(0.25, start);
      gain.gain.exponentialRampToValueAtTime(0.001, end);
      osc.connect(gain).connect(audio.destination);
      osc.start(start);
      osc.stop(end);
    }
  } catch {
    // No audio device: the big PASS/FAIL is still on screen.
  }
}
