"""Is p_female calibrated on voices the model never heard? ECE of leave-one-corpus-out predictions, and the scale to ship.

For each LOCO run of `loco.json` named: the expected calibration error (10 bins) of every held-out clip's p_female as its
group's model gave it (calibrated on the validation speakers of its own training corpora), and cross-fitted: each
group's clips rescaled by the `calibration_scale` fitted on the other groups' clips, so that no clip is calibrated on
itself. The factor fitted on all groups' clips together is what a model trained on every corpus should ship.

    python experiments/calibration.py pitch pitch_train_windows pitch_train_windows_voice

Results go to experiments/results/calibration.json, one entry per run.
"""
import argparse, json
from pathlib import Path
import numpy as np, pandas as pd

from genderaudio.evaluate import expected_calibration_error
from genderaudio.train import calibration_scale

RESULTS = Path(__file__).parent/'results'
sigmoid = lambda z: 1/(1 + np.exp(-z))


def run_calibration(groups:dict)->dict:
    "ECE as the models gave it, cross-fitted, and the factor fitted on every group's clips."
    clips = pd.concat([pd.DataFrame(g['predictions']).assign(group=name) for name, g in groups.items()]).dropna(subset=['p_female'])
    p = clips.p_female.clip(1e-6, 1 - 1e-6).to_numpy(); logit = np.log(p/(1 - p))
    recalibrated = np.full(len(clips), np.nan)
    for group in clips.group.unique():
        this = (clips.group == group).to_numpy()
        recalibrated[this] = sigmoid(calibration_scale(clips.gender[~this], clips.p_female[~this])*logit[this])
    return dict(groups=sorted(groups), clips=len(clips), ece=expected_calibration_error(clips.gender, clips.p_female),
                ece_cross_fitted=expected_calibration_error(clips.gender, recalibrated),
                factor=calibration_scale(clips.gender, clips.p_female))


def main():
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    parser.add_argument('runs', nargs='+', help='loco.json entries')
    args = parser.parse_args()
    loco = json.loads((RESULTS/'loco.json').read_text())
    out_file = RESULTS/'calibration.json'
    results = json.loads(out_file.read_text()) if out_file.exists() else {}
    for run in args.runs:
        results[run] = run_calibration(loco[run])
        r = results[run]
        print(f"{run}: {r['clips']} clips of {len(r['groups'])} groups, ECE {r['ece']:.3f}, cross-fitted {r['ece_cross_fitted']:.3f}, "
              f"factor {r['factor']:.3f} (logits multiplied by it)")
    tmp = out_file.with_suffix('.tmp'); tmp.write_text(json.dumps(results, indent=1)); tmp.replace(out_file)


if __name__ == '__main__':
    main()
