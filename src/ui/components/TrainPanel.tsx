import { useStore } from '../store';
import { Alert } from './Alert';
import { CorpusInfo } from './CorpusInfo';
import { CorpusPicker } from './CorpusPicker';
import { LossChart } from './LossChart';
import { ProbeAttention } from './ProbeAttention';
import { ProbeProbabilities } from './ProbeProbabilities';
import { ProbeTextField } from './ProbeTextField';
import { RecipeForm } from './RecipeForm';
import { ResumeOffer } from './ResumeOffer';
import { SampleList } from './SampleList';
import { TrainControls } from './TrainControls';
import { TrainingStep } from './TrainingStep';

/** Train a new GPT on your own text, on this GPU: text in, recipe, run, watch it learn. */
export function TrainPanel() {
  const alert = useStore((s) => s.messages.train?.text);
  const { clearMessage } = useStore.getState();
  return (
    <section aria-label="Train" className="grid gap-4 lg:grid-cols-[2fr_3fr]">
      <div className="min-w-0 space-y-4 rounded-lg border border-zinc-800 p-4">
        <h2 className="font-medium">1. Training text</h2>
        <CorpusPicker />
        <CorpusInfo />
        <h2 className="font-medium">2. Model and recipe</h2>
        <RecipeForm />
        <ProbeTextField />
        <h2 className="font-medium">3. Train</h2>
        <TrainControls />
        <ResumeOffer />
        <Alert message={alert} onDismiss={() => clearMessage('train')} testId="train-alert" />
      </div>
      <div className="min-w-0 space-y-4 rounded-lg border border-zinc-800 p-4">
        <h2 className="font-medium">Loss</h2>
        <LossChart />
        <TrainingStep />
        <ProbeProbabilities />
        <ProbeAttention />
        <SampleList />
      </div>
    </section>
  );
}
