import React from 'react';
import { fireEvent, render, screen } from '@testing-library/react';

import { EmptyJobs, emptyJobsTestIds } from './EmptyJobs';

describe('EmptyJobs', () => {
  it('explains the label to set and estimates the cost', () => {
    render(<EmptyJobs podSelector="monitor=high-frequency" cluster="alpha" />);
    expect(screen.getByText('No job has per-second network data in cluster alpha in this time range')).toBeInTheDocument();
    expect(screen.getByText(/kubectl label pod -n <namespace> -l job-name=<job> monitor=high-frequency/)).toBeInTheDocument();
    expect(screen.getByTestId(emptyJobsTestIds.estimate)).toHaveTextContent(
      '104 series and 104 samples/s per node, about 25.2 MB per node per day; 416 samples/s and 100.6 MB per day for the job.'
    );
  });

  it('recomputes for other sizes and says when a count is not valid', () => {
    render(<EmptyJobs podSelector="monitor=high-frequency" cluster="" />);
    fireEvent.change(screen.getByLabelText('Nodes of the job'), { target: { value: '16' } });
    fireEvent.change(screen.getByLabelText('IB devices per node'), { target: { value: '4' } });
    expect(screen.getByTestId(emptyJobsTestIds.estimate)).toHaveTextContent(
      '56 series and 56 samples/s per node, about 13.5 MB per node per day; 896 samples/s and 216.8 MB per day for the job.'
    );
    fireEvent.change(screen.getByLabelText('Labelled pods per node'), { target: { value: 'two' } });
    expect(screen.getByText('A whole number, 0 or more')).toBeInTheDocument();
    expect(screen.queryByTestId(emptyJobsTestIds.estimate)).not.toBeInTheDocument();
  });
});
