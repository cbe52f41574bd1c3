// Listening: a synthesized drum kit (and a plain synth for other instruments) with Tone.js, so that playing needs
// no sound font to download.
import * as Tone from "tone";

let kit = null;

function makeKit() {
  const out = new Tone.Gain(0.6).toDestination();
  const membrane = (octaves) => new Tone.MembraneSynth({ octaves, envelope: { sustain: 0, decay: 0.3 } }).connect(out);
  const metal = (decay) => new Tone.MetalSynth({ envelope: { decay }, volume: -18 }).connect(out);
  return {
    kick: membrane(6), tom: membrane(2),
    snare: new Tone.NoiseSynth({ envelope: { sustain: 0, decay: 0.15 }, volume: -6 }).connect(out),
    hat: metal(0.05), open: metal(0.3), cymbal: metal(1.2),
    other: new Tone.PolySynth(Tone.Synth, { volume: -14 }).connect(out),
  };
}

function strike(note, time) {
  const v = note.velocity, p = note.midi;
  if (p === 35 || p === 36) kit.kick.triggerAttackRelease("C1", 0.1, time, v);
  else if ([37, 38, 39, 40].includes(p)) kit.snare.triggerAttackRelease(0.1, time, v);
  else if ([22, 42, 44].includes(p)) kit.hat.triggerAttackRelease("C6", 0.05, time, v);
  else if ([26, 46].includes(p)) kit.open.triggerAttackRelease("C6", 0.3, time, v);
  else if (p >= 41 && p <= 50) kit.tom.triggerAttackRelease(Tone.Frequency(p - 12, "midi"), 0.2, time, v);
  else kit.cymbal.triggerAttackRelease("C5", 0.8, time, v);
}

/** Play a parsed file (@tonejs/midi's Midi) from now; ``done`` when it ends. */
export async function playMidi(midi, done) {
  await Tone.start();
  kit = kit || makeKit();
  const transport = Tone.getTransport();
  let end = 0;
  for (const track of midi.tracks) for (const note of track.notes) {
    end = Math.max(end, note.time + note.duration);
    transport.schedule((time) => (track.channel === 9 ? strike(note, time)
      : kit.other.triggerAttackRelease(Tone.Frequency(note.midi, "midi").toFrequency(), note.duration, time, note.velocity * 0.6)), note.time);
  }
  transport.schedule(() => { stopPlaying(); done(); }, end + 0.5);
  transport.start("+0.1");
}

export function stopPlaying() {
  const transport = Tone.getTransport();
  transport.stop();
  transport.cancel();
  if (kit) kit.other.releaseAll();
}
